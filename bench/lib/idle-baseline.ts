import { spawn } from 'node:child_process';
import { readMemory, spawnService } from './processes.ts';

const IDLE = "process.send({ type: 'ready' }); setInterval(() => undefined, 60000); process.on('disconnect', () => process.exit(0));";

/** RSS of a Node process doing nothing, plain and with tsx loaded as the services run, in MB. */
export async function idleBaseline(): Promise<{ node: number; nodeTsx: number }> {
  const plain = spawn(process.execPath, ['-e', IDLE], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const tsx = spawnService('idle-tsx', 'bench/idle.ts', []);
  try {
    await Promise.all([new Promise((resolve) => plain.once('message', resolve)), tsx.ready]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return { node: readMemory(plain.pid ?? -1)?.rssMb ?? Number.NaN, nodeTsx: readMemory(tsx.pid)?.rssMb ?? Number.NaN };
  } finally {
    plain.kill();
    await tsx.stop();
  }
}
