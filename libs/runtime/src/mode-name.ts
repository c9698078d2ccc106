import { Mode } from '@ultra/contracts/chat';

/**
 * A degraded mode's name as Ultra prints it in logs and views: `NORMAL`, `DEGRADED`,
 * `CRITICAL`, `OUTAGE`, and `STARTING` for MODE_UNSPECIFIED (the health service before its
 * first evaluation). Never the enum's number.
 */
export function modeName(mode: Mode): string {
  return mode === Mode.UNSPECIFIED ? 'STARTING' : (Mode[mode] ?? `UNKNOWN(${mode})`);
}
