import { ConnectError, type Interceptor } from '@connectrpc/connect';
import { Mode } from '@ultra/contracts/chat';
import type { ModeState } from './mode-state.ts';
import { mapErrors } from './rpc-errors.ts';

/**
 * The degraded mode as headers: `x-ultra-mode` (its name, e.g. `OUTAGE`) and, when there is
 * one, `x-ultra-notice` (the human sentence, as printable ASCII). Every answer carries
 * them, errors included, on the OpenAI front's headers and in gRPC/Connect metadata.
 */
export function modeHeaders(mode: Mode, notice: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-ultra-mode': Mode[mode] ?? 'NORMAL' };
  if (notice) headers['x-ultra-notice'] = notice.replace(/[^\x20-\x7e]/g, '?');
  return headers;
}

/** The mode headers of the mode the router serves in now. */
export const currentModeHeaders = (state: ModeState) => {
  const { mode, notice } = state.current();
  return modeHeaders(mode, notice);
};

/** The error with the mode the router serves in now in its metadata (sent in headers or trailers). */
export function withMode(err: unknown, state: ModeState): ConnectError {
  const e = ConnectError.from(err);
  for (const [name, value] of Object.entries(currentModeHeaders(state))) e.metadata.set(name, value);
  return e;
}

/**
 * A server interceptor for the router's RPCs: every unary answer says the mode in its
 * response headers, and every error, raised at once or in the middle of a stream, in its metadata.
 */
export function createModeInterceptor(state: ModeState): Interceptor {
  // A stream's answer says its mode in its last message; an error, in the error's metadata
  // (not also in the headers, which a client merges into the error's metadata).
  const errorsWithMode = mapErrors((e) => withMode(e, state));
  return (next) =>
    errorsWithMode(async (req) => {
      const res = await next(req);
      if (!res.stream) for (const [name, value] of Object.entries(currentModeHeaders(state))) res.header.set(name, value);
      return res;
    });
}
