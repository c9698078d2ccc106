import { HealthService } from '@ultra/contracts/health';
import { ProviderAgentService } from '@ultra/contracts/provider-agent';
import { formatDial, type UltraConfig } from '@ultra/config';
import { errorMessage, systemClock } from '@ultra/core';
import { createServiceClient, keepWatching } from '@ultra/runtime';
import { renderStatus, type StatusSnapshot } from './status-view.ts';

/** How long `--once` waits for the services to answer before it prints what it has. */
const ONCE_WAIT_MS = 3000;

/** Why a watch stream was lost: the error's message, or `stream ended` when it simply ended. */
const lostBecause = (err: unknown) => (err === undefined ? 'stream ended' : errorMessage(err));

/**
 * `ultra status`: a live view of the mode, the components and every provider's breaker,
 * redrawn on every change. With `once`, prints one view as soon as both services have
 * answered (or after 3 s) and returns.
 */
export async function runStatus(config: UltraConfig, options: { once: boolean; out: NodeJS.WriteStream }): Promise<number> {
  const health = createServiceClient(HealthService, config.services.dial.health);
  const agent = createServiceClient(ProviderAgentService, config.services.dial.providerAgent);
  const snap: StatusSnapshot = { history: [], providers: [] };
  const stop = new AbortController();
  const tty = options.out.isTTY === true && !options.once;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    const text = renderStatus(snap, new Date(), tty).join('\n');
    options.out.write(tty ? `\x1b[2J\x1b[H${text}\n` : `${text}\n\n`);
  };
  const changed = () => {
    if (options.once) return;
    timer ??= setTimeout(draw, 100);
  };
  let heardHealth = false;
  let heardAgent = false;
  // `once` draws as soon as both services have been heard from (an answer or a loss)
  let bothHeard: () => void = () => {};
  const heard = new Promise<void>((resolve) => (bothHeard = resolve));
  const heardFrom = (service: 'health' | 'agent') => {
    if (service === 'health') heardHealth = true;
    else heardAgent = true;
    if (heardHealth && heardAgent) bothHeard();
    changed();
  };
  keepWatching({
    clock: systemClock,
    signal: stop.signal,
    retryMs: 1000,
    consume: async (signal) => {
      snap.history = (await health.getStatus({}, { signal, timeoutMs: 2000 })).history;
      for await (const res of health.watchStatus({}, { signal })) {
        snap.status = res.status;
        snap.healthError = undefined;
        heardFrom('health');
      }
    },
    onLost: (err) => {
      snap.healthError = `unreachable at ${config.services.dial.health.map(formatDial).join(', ')} (${lostBecause(err)})`;
      heardFrom('health');
    },
  });
  keepWatching({
    clock: systemClock,
    signal: stop.signal,
    retryMs: 1000,
    consume: async (signal) => {
      for await (const res of agent.watchProviders({}, { signal })) {
        snap.providers = res.providers;
        snap.agentError = undefined;
        heardFrom('agent');
      }
    },
    onLost: (err) => {
      snap.agentError = `provider-agent unreachable: ${lostBecause(err)}`;
      heardFrom('agent');
    },
  });
  if (options.once) {
    // a timer of its own, not the clock's: it must keep the process alive while both are unreachable
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([heard, new Promise<void>((resolve) => (waited = setTimeout(resolve, ONCE_WAIT_MS)))]);
    clearTimeout(waited);
    draw();
    stop.abort();
    return snap.status ? 0 : 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stop.abort();
  return 0;
}
