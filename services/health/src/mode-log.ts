import { Mode } from '@ultra/contracts/chat';
import { modeName } from '@ultra/runtime';

/**
 * The log line of a change of mode, naming the modes (`mode NORMAL → DEGRADED: why`), never
 * their numbers; the first mode computed says so (`mode NORMAL: first evaluation, …`).
 */
export function modeChangeLine(from: Mode, to: Mode, reason: string): { fields: Record<string, string>; message: string } {
  const fields = { from: modeName(from), to: modeName(to), reason };
  if (from === Mode.UNSPECIFIED) {
    return { fields, message: `mode ${modeName(to)}: first evaluation, every component has reported${reason ? `; ${reason}` : ''}` };
  }
  return { fields, message: `mode ${modeName(from)} → ${modeName(to)}: ${reason}` };
}
