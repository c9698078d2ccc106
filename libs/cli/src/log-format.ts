import { isRecord } from '@ultra/core';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const SERVICES = ['cache', 'provider-agent', 'health', 'router'];
const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];

/**
 * Renders one output line of a child for a person: pino JSON becomes
 * `12:00:01 router         info  message`, anything else is passed through prefixed.
 */
export function formatLine(service: string, index: number, line: string, color: boolean): string {
  const label = (who: string, at: number) => (color ? `${COLORS[at % COLORS.length]}${who.padEnd(14)}\x1b[0m` : who.padEnd(14));
  const name = label(service, index);
  if (line.startsWith('{')) {
    try {
      const rec: unknown = JSON.parse(line);
      if (isRecord(rec)) {
        // One process serving several services (topology single): each line names its service.
        const own = typeof rec['service'] === 'string' && rec['service'] !== service ? rec['service'] : undefined;
        const name = own === undefined ? label(service, index) : label(own, index + Math.max(0, SERVICES.indexOf(own)) + 1);
        const time = typeof rec['time'] === 'string' ? rec['time'].slice(11, 19) : '';
        const level = (LEVELS[typeof rec['level'] === 'number' ? rec['level'] : 30] ?? 'info').padEnd(5);
        const err = typeof rec['err'] === 'string' ? rec['err'] : isRecord(rec['err']) ? rec['err']['message'] : undefined;
        return `${time} ${name} ${level} ${rec['msg'] ?? ''}${err ? ` (${err})` : ''}`;
      }
    } catch {
      // not JSON after all
    }
  }
  return `${' '.repeat(8)} ${name} ${line}`;
}
