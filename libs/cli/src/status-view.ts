import { Mode } from '@ultra/contracts/chat';
import { ComponentStatus, type ModeChange, type Status } from '@ultra/contracts/health';
import { BreakerState, type ProviderState } from '@ultra/contracts/provider-agent';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { modeName } from '@ultra/runtime';

const MODE_COLOR: Record<number, string> = { [Mode.NORMAL]: '\x1b[32m', [Mode.DEGRADED]: '\x1b[33m', [Mode.CRITICAL]: '\x1b[35m', [Mode.OUTAGE]: '\x1b[31m' };
const RESET = '\x1b[0m';

const time = (d: Date | undefined) => (d ? d.toISOString().slice(11, 19) : '--:--:--');
const pad = (s: string, n: number) => (s.length >= n ? `${s.slice(0, n - 1)} ` : s.padEnd(n));

/** What `ultra status` knows: the health service's status and history, the agent's providers. */
export interface StatusSnapshot {
  status?: Status | undefined;
  history: readonly ModeChange[];
  providers: readonly ProviderState[];
  healthError?: string | undefined;
  agentError?: string | undefined;
}

/** Renders the status view in lines of text (colored when `color`). */
export function renderStatus(s: StatusSnapshot, now: Date, color: boolean): string[] {
  const c = (code: string | undefined, text: string) => (color && code ? `${code}${text}${RESET}` : text);
  const lines: string[] = [];
  const st = s.status;
  const mode = st ? modeName(st.mode) : 'UNKNOWN';
  lines.push(`Ultra status at ${time(now)}`);
  if (s.healthError) lines.push(c('\x1b[31m', `health service: ${s.healthError}`));
  if (st) {
    const pinned = st.pinnedUntil ? ` — pinned until ${time(timestampDate(st.pinnedUntil))}` : '';
    lines.push(`mode: ${c(MODE_COLOR[st.mode], mode)} since ${time(st.since ? timestampDate(st.since) : undefined)}${st.reason ? ` — ${st.reason}` : ''}${pinned}`);
    lines.push('', 'COMPONENTS');
    for (const comp of st.components) {
      const ok = comp.status === ComponentStatus.SERVING;
      const label = (ComponentStatus[comp.status] ?? 'UNKNOWN').toLowerCase().replace('_', ' ');
      lines.push(`  ${pad(comp.name, 34)} ${c(ok ? '\x1b[32m' : '\x1b[31m', pad(label, 12))} ${comp.detail}`);
    }
  }
  lines.push('', `PROVIDERS${s.agentError ? `  (${s.agentError})` : ''}`);
  lines.push(`  ${pad('name', 12)}${pad('breaker', 14)}${pad('healthy', 9)}${pad('in-flight', 10)}${pad('limit', 14)}${pad('errors', 8)}${pad('p50', 8)}${pad('p99', 8)}retry in`);
  for (const p of s.providers) {
    const breaker = (BreakerState[p.breaker] ?? 'UNKNOWN').toLowerCase().replace('_', '-');
    const open = p.breaker === BreakerState.OPEN || p.breaker === BreakerState.FORCED_OPEN;
    lines.push(
      `  ${pad(p.name, 12)}${c(open ? '\x1b[31m' : '\x1b[32m', pad(breaker, 14))}${pad(p.healthy ? 'yes' : 'no', 9)}${pad(String(p.inFlight), 10)}${pad(`${p.concurrencyLimit}${p.queued > 0 ? ` +${p.queued} q` : ''}`, 14)}${pad(`${Math.round(p.errorRatio * 100)} %`, 8)}${pad(`${p.latencyP50Ms}ms`, 8)}${pad(`${p.latencyP99Ms}ms`, 8)}${p.retryAfterMs > 0 ? `${Math.ceil(p.retryAfterMs / 1000)} s` : ''}`,
    );
  }
  if (s.history.length > 0) {
    lines.push('', 'MODE CHANGES');
    for (const h of s.history.slice(-8)) {
      lines.push(`  ${time(h.at ? timestampDate(h.at) : undefined)}  ${modeName(h.from)} → ${c(MODE_COLOR[h.to], modeName(h.to))}  ${h.reason}`);
    }
  }
  return lines;
}
