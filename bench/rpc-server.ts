import http2 from 'node:http2';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { Health } from '@ultra/contracts/grpc-health';
import { createHealthRegistry, listen } from '@ultra/runtime';

/**
 * A server for the RPC overhead phase: `raw` answers every HTTP/2 stream with a fixed
 * gRPC message using node:http2 alone; `h2c` and `http1` serve grpc.health.v1 through
 * Connect on the services' own listener. Sends its port to the parent over IPC.
 */
async function main(): Promise<void> {
  const kind = process.argv[2];
  let port: number;
  if (kind === 'raw') {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 2, 8, 1]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  } else if (kind === 'h2c' || kind === 'http1') {
    const health = createHealthRegistry([]);
    const listener = await listen({ host: '127.0.0.1', port: 0 }, connectNodeAdapter({ routes: (r) => void r.service(Health, health.impl) }), kind);
    port = listener.address.port;
  } else {
    throw new Error(`rpc-server: unknown kind ${String(kind)} (raw, h2c or http1)`);
  }
  process.send?.({ port });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
