import { Mode } from '@ultra/contracts/chat';
import { HealthService } from '@ultra/contracts/health';
import type { UltraConfig } from '@ultra/config';
import { createServiceClient } from '@ultra/runtime';

/**
 * Waits for the health service's first mode: it says MODE_UNSPECIFIED until every
 * configured component has reported. Undefined when none came within `timeoutMs` (ms), or
 * once `stop` aborts (the stack is being stopped).
 */
export async function firstMode(config: UltraConfig, timeoutMs: number, stop?: AbortSignal): Promise<{ mode: Mode; reason: string } | undefined> {
  const health = createServiceClient(HealthService, config.services.dial.health);
  const signal = stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs);
  while (!signal.aborted) {
    try {
      for await (const res of health.watchStatus({}, { signal })) {
        const status = res.status;
        if (status && status.mode !== Mode.UNSPECIFIED) return { mode: status.mode, reason: status.reason };
      }
    } catch {
      // Not listening yet, or the stream broke: ask again shortly.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}
