import { readMachineCpuMs } from '@ultra/testkit';

/** Share of CPU time (0..1) the whole machine spent busy over the last `ms`, from /proc/stat; undefined elsewhere. */
export async function cpuBusy(ms = 2_000): Promise<number | undefined> {
  const a = readMachineCpuMs();
  await new Promise((r) => setTimeout(r, ms));
  const b = readMachineCpuMs();
  if (!a || !b || b.total === a.total) return undefined;
  return (b.busy - a.busy) / (b.total - a.total);
}

/**
 * Waits, for at most `maxMs`, until the machine is at most `threshold` busy (default
 * 0.5: a core free on two) so that a scenario does not measure someone else's build.
 * Sampled while no stack of ours runs, so our own last scenario does not count (as it
 * would in the load average). Resolves with the busy share it starts at.
 */
export async function waitForQuiet(maxMs: number, log: (line: string) => void, threshold = 0.5): Promise<number | undefined> {
  const end = Date.now() + maxMs;
  let busy = await cpuBusy();
  if (busy !== undefined && busy > threshold && maxMs > 0) {
    log(`the machine is ${Math.round(busy * 100)} % busy; waiting up to ${Math.round(maxMs / 1000)} s for it to drop under ${Math.round(threshold * 100)} %`);
  }
  while (busy !== undefined && busy > threshold && Date.now() < end) busy = await cpuBusy();
  return busy;
}
