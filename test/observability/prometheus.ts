import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@ultra/testkit';

/** Why `bin` (promtool, prometheus) cannot run here, or undefined when it can. */
export function toolMissing(bin: string): string | undefined {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? `${bin} is not on the PATH (apt-get install prometheus; .ci/run installs it)` : undefined;
}

/**
 * A TCP forwarder on a free loopback port to `port`, counting the connections made
 * through it: the stand-in for a Kubernetes or compose Service address in front of a
 * service, so a test can see that clients dial it rather than the listen address.
 */
export async function startForwarder(port: number): Promise<{ port: number; connections: () => number; close(): void }> {
  let connections = 0;
  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = connect({ host: '127.0.0.1', port });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const listen = await freePort();
  await new Promise<void>((resolve) => server.listen(listen, '127.0.0.1', resolve));
  return { port: listen, connections: () => connections, close: () => server.close() };
}

export interface Prometheus {
  url: string;
  proc: ChildProcess;
  /** An instant query; the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** A real Prometheus on a free loopback port scraping `targets` every second, with `ruleFiles` loaded. */
export async function startPrometheus(targets: string[], ruleFiles: string[]): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'ultra-prometheus-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: ${JSON.stringify(ruleFiles)}\nscrape_configs:\n  - job_name: ultra\n    static_configs:\n      - targets: ${JSON.stringify(targets)}\n`,
  );
  const proc = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, { timeoutMs: 20_000, intervalMs: 200, what: `prometheus ready (${stderr})` });
  return {
    url,
    proc,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: never[] } };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data!.result;
    },
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
