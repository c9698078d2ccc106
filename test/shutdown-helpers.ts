import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '@ultra/config';
import { freeStackPorts, repoPath, stackConfig, waitFor, type StackPorts } from '@ultra/testkit';

/** Whether `pid` is still a running process (a zombie waiting to be reaped counts as gone). */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The processes whose parent is `pid` now (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits until none of `pids` runs, for at most `ms`; resolves with those still running (none on success). */
export async function survivors(pids: readonly number[], ms: number): Promise<number[]> {
  await waitFor(() => pids.every((p) => !running(p)), { timeoutMs: ms, intervalMs: 50 }).catch(() => undefined);
  return pids.filter(running);
}

/** The stack's config on free ports with the default `shutdown.grace`; returns it with the grace it resolves to. */
export async function defaultGraceConfig(): Promise<{ file: string; ports: StackPorts; graceMs: number }> {
  const ports = await freeStackPorts();
  const file = join(mkdtempSync(join(tmpdir(), 'ultra-shutdown-')), 'ultra.yaml');
  writeFileSync(file, stackConfig(ports).replace(/^shutdown:.*\n/m, ''));
  return { file, ports, graceMs: loadConfig({ file, env: {} }).shutdown.graceMs };
}

/** `ultra start` as a process manager runs it: in a process group of its own. */
export function ultraStart(configFile: string, env: NodeJS.ProcessEnv, topology: 'single' | 'split' = 'single') {
  const proc = spawn(process.execPath, [repoPath('libs/cli/bin/ultra.js'), 'start', '--topology', topology, '--config', configFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  for (const stream of [proc.stdout, proc.stderr]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    pid: proc.pid!,
    lines,
    exited,
    /** Resolves once a line matching `re` was printed. */
    printed: (re: RegExp, timeoutMs = 150_000) => waitFor(() => lines.some((l) => re.test(l)), { timeoutMs, intervalMs: 20, what: `ultra to print ${re}` }),
    /** Signals the whole group, as `kill -TERM -PGID` does. */
    signalGroup: (signal: NodeJS.Signals) => {
      try {
        process.kill(-proc.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** SIGKILLs whatever of `pids` still runs (test cleanup). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
