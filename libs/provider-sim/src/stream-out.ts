import type { ServerResponse } from 'node:http';
import type { Faults } from './faults.ts';
import { sseText, wait, writeSse, type SseEvent } from './http-io.ts';
import type { ProviderDeps } from './provider-handler.ts';
import type { StreamPlan } from './wire/types.ts';

/**
 * Writes a streamed answer: the head events, then one event per text piece (each after
 * `chunkDelayMs` on the injected clock), then the tail. With `cutStreamAfterChunks` the
 * connection is destroyed after that many pieces (or before the tail); with
 * `stallStreamAfterChunks` nothing more is sent after that many, the connection held
 * open until the client leaves; with `malformedJson` the first event's JSON is cut in half.
 * Without any of these and no delay between pieces, the events are written one after
 * another without waiting for each to be flushed.
 */
export async function streamAnswer(
  deps: Pick<ProviderDeps, 'clock' | 'stats'>,
  res: ServerResponse,
  name: string,
  plan: StreamPlan,
  pieces: readonly string[],
  faults: Faults,
  signal: AbortSignal,
): Promise<void> {
  const headers = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };
  if (unpaced(faults)) {
    // Nothing to wait for between events and no fault mid-stream: each event its own write,
    // as a provider sends them, without waiting for the last one to be flushed first (the
    // wait per event cost this process twice a whole answer's CPU, on cores the gateways
    // under test share; one write for the whole stream costs no less, and hands a gateway
    // every event in one read, which no provider does).
    const events = [...plan.head, ...pieces.map((piece, i) => plan.chunk(piece, i)), ...plan.tail];
    res.writeHead(200, headers);
    for (const e of events) res.write(sseText(e));
    res.end();
    for (let i = 0; i < pieces.length; i++) deps.stats.chunk(name);
    return;
  }
  res.writeHead(200, headers);
  res.flushHeaders();
  let first = true;
  const send = (e: SseEvent): Promise<boolean> => {
    const out = first && faults.malformedJson ? { ...e, data: e.data.slice(0, Math.ceil(e.data.length / 2)) } : e;
    first = false;
    return writeSse(res, out);
  };
  const cut = faults.cutStreamAfterChunks;
  const stall = faults.stallStreamAfterChunks;
  for (const e of plan.head) if (!(await send(e))) return;
  for (const [i, piece] of pieces.entries()) {
    if (cut !== undefined && i >= cut) break;
    if (stall !== undefined && i >= stall) {
      deps.stats.fault(name);
      return; // the response stays open: the client's own timer has to notice
    }
    if (!(await wait(deps.clock, faults.chunkDelayMs, signal))) return;
    if (!(await send(plan.chunk(piece, i)))) return;
    deps.stats.chunk(name);
  }
  if (cut !== undefined) {
    deps.stats.fault(name);
    res.destroy();
    return;
  }
  for (const e of plan.tail) if (!(await send(e))) return;
  res.end();
}

const unpaced = (f: Faults): boolean => f.chunkDelayMs <= 0 && f.cutStreamAfterChunks === undefined && f.stallStreamAfterChunks === undefined && !f.malformedJson;
