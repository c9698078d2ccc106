import { Code, ConnectError } from '@connectrpc/connect';
import { getEventListeners } from 'node:events';

/**
 * Why a call's signal is aborted when the call is over and something still listens on it
 * (as connect aborts its own), so those listeners let go. Made once: an abort without a
 * reason builds a `DOMException` with its stack, which at three calls a request was 4 % of
 * a `single` process's CPU.
 */
export const CALL_ENDED = new ConnectError('the call is over', Code.Canceled);

/**
 * Ends `controller`'s signal at the end of its call: aborted with {@link CALL_ENDED} when
 * something still listens on it, left alone when nothing does (the abort would only build
 * and dispatch an event for nobody, about 3 us a call on Node 20).
 */
export function endCall(controller: AbortController): void {
  if (!controller.signal.aborted && getEventListeners(controller.signal, 'abort').length > 0) controller.abort(CALL_ENDED);
}
