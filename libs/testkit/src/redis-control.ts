import type { RedisServer } from './redis.ts';

/** Kills `redis-server` at once (SIGKILL, as a crash would) and waits for it to exit. */
export async function killRedis(server: RedisServer): Promise<void> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.proc.once('exit', () => resolve()));
  server.proc.kill('SIGKILL');
  await exited;
}

/** Freezes `redis-server` (SIGSTOP): connections stay open but nothing is answered — a slow Redis. */
export function pauseRedis(server: RedisServer): void {
  server.proc.kill('SIGSTOP');
}

/** Lets a paused `redis-server` run again (SIGCONT). */
export function resumeRedis(server: RedisServer): void {
  server.proc.kill('SIGCONT');
}

/** Stops `redis-server` whatever its state: running, frozen (it is resumed first) or already dead. */
export async function stopRedis(server: RedisServer): Promise<void> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  resumeRedis(server);
  await server.stop();
}
