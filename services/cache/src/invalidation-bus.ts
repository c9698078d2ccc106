import type { Redis } from 'ioredis';
import { parseMessage, type BusMessage } from './invalidation.ts';

export interface InvalidationBusDeps {
  /** A connection of its own: once subscribed it can do nothing else. */
  subscriber: Redis;
  channel: string;
  onMessage(message: BusMessage): void;
  /** Subscribed (again): time to resync. */
  onSubscribed(): void;
  /** The subscription was lost: messages may be missed from now on. */
  onLost(): void;
}

export interface InvalidationBus {
  readonly subscribed: boolean;
  close(): void;
}

/**
 * Listens on the invalidation channel. It subscribes itself on every (re)connect, rather
 * than leaving it to ioredis, so that it knows when the subscription is live and can
 * resync right after.
 */
export function createInvalidationBus(deps: InvalidationBusDeps): InvalidationBus {
  const { subscriber: sub, channel } = deps;
  let subscribed = false;
  let closed = false;
  const subscribe = () => {
    sub.subscribe(channel).then(
      () => {
        if (closed || subscribed) return;
        subscribed = true;
        deps.onSubscribed();
      },
      () => undefined, // the connection dropped again; the next 'ready' retries
    );
  };
  const lost = () => {
    if (!subscribed) return;
    subscribed = false;
    deps.onLost();
  };
  const message = (ch: string, text: string) => {
    if (ch !== channel) return;
    const m = parseMessage(text);
    if (m) deps.onMessage(m);
  };
  sub.on('ready', subscribe);
  sub.on('close', lost);
  sub.on('message', message);
  if (sub.status === 'ready') subscribe();
  return {
    get subscribed() {
      return subscribed;
    },
    close() {
      closed = true;
      sub.off('ready', subscribe);
      sub.off('close', lost);
      sub.off('message', message);
    },
  };
}
