import { describe, expect, it } from 'vitest';
import { INSPECT_PACKAGE, loadInspection } from './inspect.ts';

describe('ULTRA_INSPECT', () => {
  it('costs nothing when unset: the package is not even looked for', async () => {
    const looked: string[] = [];
    for (const setting of [undefined, '', '0']) {
      const inspection = await loadInspection(setting, { say: () => undefined, importModule: async (s) => looked.push(s) });
      expect(inspection).toBeUndefined();
    }
    expect(looked).toEqual([]);
  });

  it('says in one line that the package is missing, and runs on without it', async () => {
    const lines: string[] = [];
    const inspection = await loadInspection('1', {
      say: (line) => lines.push(line),
      importModule: () => Promise.reject(new Error(`Cannot find package '${INSPECT_PACKAGE}'`)),
    });
    expect(inspection).toBeUndefined();
    expect(lines).toEqual(['ULTRA_INSPECT=1 but @statelyai/inspect is not installed (npm install -D @statelyai/inspect); running without inspection']);
  });

  it('with the package: the Sky inspector for 1, a WebSocket one for a ws:// URL; breakers reported by hand', async () => {
    const calls: unknown[][] = [];
    const fake = (kind: string) => (options?: unknown) => {
      calls.push([kind, options]);
      return {
        inspect: { next: (e: unknown) => calls.push(['event', e]) },
        actor: (id: string) => calls.push(['actor', id]),
        snapshot: (id: string, s: { value: string }) => calls.push(['snapshot', id, s.value]),
        stop: () => calls.push(['stop']),
      };
    };
    const importModule = async () => ({ createSkyInspector: fake('sky'), createWebSocketInspector: fake('ws') });
    const sky = await loadInspection('1', { say: () => undefined, importModule });
    sky?.breaker('alpha', { from: 'closed', to: 'open', at: 1 });
    sky?.breaker('alpha', { from: 'open', to: 'half-open', at: 2 });
    sky?.stop();
    const ws = await loadInspection('ws://127.0.0.1:8080', { say: () => undefined, importModule });
    expect(calls).toEqual([
      ['sky', undefined],
      ['actor', 'breaker:alpha'],
      ['snapshot', 'breaker:alpha', 'half-open'],
      ['stop'],
      ['ws', { url: 'ws://127.0.0.1:8080' }],
    ]);
    expect(typeof ws?.inspect).toBe('function');
  });
});
