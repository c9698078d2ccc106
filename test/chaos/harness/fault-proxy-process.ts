/**
 * The fault proxy as its own process, for the chaos stack: the same command as
 * `npm run toxiproxy` (same flags, same ready line), with TCP_NODELAY on its sockets as
 * the real Toxiproxy has (see tcp-nodelay.ts). Its own process, like a real Toxiproxy,
 * so that the load generator and the proxy never wait on each other's event loop.
 */
import { enableNoDelay } from './tcp-nodelay.ts';

enableNoDelay();
await import('../proxy/main.ts');
