import { describe, expect, it } from 'vitest';
import * as telemetry from '@ultra/telemetry';
import * as untraced from '../bench/telemetry/untraced.ts';

/**
 * The telemetry bench's baseline stack resolves `@ultra/telemetry` to untraced.ts: it
 * must offer everything the real one does, or a service would fail to start there (or,
 * worse, measure a different path).
 */
describe('the telemetry bench baseline', () => {
  it('exports every name @ultra/telemetry exports', () => {
    expect(Object.keys(untraced).sort()).toEqual(Object.keys(telemetry).sort());
  });

  it('passes calls through: the step runs, the RPC goes on, the request is served', async () => {
    expect(await untraced.inSpan('step', {}, async () => 42)).toBe(42);
    const next = async () => 'sent';
    expect(await untraced.createTraceClientInterceptor()(next as never)({} as never)).toBe('sent');
    let ran = false;
    untraced.withServerSpan({}, 'x', () => undefined, () => (ran = true));
    expect(ran).toBe(true);
  });
});
