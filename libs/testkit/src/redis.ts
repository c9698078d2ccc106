import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './ports.ts';

export interface RedisServer {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a real `redis-server` on a free port, keeping nothing on disk; `args` are more
 * of its options (`['--replicaof', '127.0.0.1', '6379']`).
 */
export async function startRedis(port?: number, args: readonly string[] = []): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'ultra-redis-'));
  const proc = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (line) => {
      if (line.includes('Ready to accept connections')) resolve();
    });
    proc.once('error', (e) => reject(new Error(`cannot start redis-server: ${e.message}`)));
    proc.once('exit', (code) => reject(new Error(`redis-server exited with status ${code}`)));
  });
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    proc,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
