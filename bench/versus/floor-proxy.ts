import http from 'node:http';
import { parseArgs } from 'node:util';

/**
 * The floor: the least a Node proxy can do. Reads the request body, forwards it to the
 * upstream over a keep-alive agent, and pipes the answer back. No parsing, no policy.
 * `--port P --upstream http://127.0.0.1:S/openai` (the path prefix is prepended).
 */
const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } });
const upstream = new URL(values.upstream ?? 'http://127.0.0.1:50091/openai');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, path: `${upstream.pathname.replace(/\/$/, '')}${req.url ?? '/'}`, method: req.method, agent, headers: { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': body.length, authorization: req.headers.authorization ?? '' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => {
      res.writeHead(502).end();
    });
    out.end(body);
  });
});
server.listen(Number(values.port ?? 0), '127.0.0.1', () => console.log(`floor proxy listening on ${JSON.stringify(server.address())}`));
