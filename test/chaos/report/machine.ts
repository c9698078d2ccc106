import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Where and when a report was made. */
export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** `abc1234`, with `+ uncommitted changes` when the work tree differs from it. */
  commit: string;
  /** 1-minute load average when the run started and ended. */
  loadStart: number;
  loadEnd?: number;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The machine as it is now (read-only git commands only). */
export function machineInfo(now: Date): MachineInfo {
  const sha = git(['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  return {
    date: now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: dirty ? `${sha} + uncommitted changes` : sha,
    loadStart: os.loadavg()[0] ?? 0,
  };
}
