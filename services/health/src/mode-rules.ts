import { Mode } from '@ultra/contracts/chat';
import { ComponentStatus } from '@ultra/contracts/health';
import type { ComponentView } from './registry.ts';

/**
 * The mode the components call for, with the reason. OUTAGE when no provider can
 * serve; CRITICAL when a whole tier is down; DEGRADED when any component is not serving;
 * NORMAL otherwise. (A later issue makes these rules configurable, with hysteresis.)
 */
export function evaluateMode(components: readonly ComponentView[]): { mode: Mode; reason: string } {
  const providers = components.filter((c) => c.kind === 'provider');
  const serving = (c: ComponentView) => c.status === ComponentStatus.SERVING;
  if (providers.length > 0 && !providers.some(serving)) {
    return { mode: Mode.OUTAGE, reason: 'no provider is healthy' };
  }
  const tiers = new Map<string, ComponentView[]>();
  for (const p of providers) tiers.set(p.tier ?? '', [...(tiers.get(p.tier ?? '') ?? []), p]);
  const deadTier = [...tiers].find(([, list]) => !list.some(serving));
  if (deadTier) return { mode: Mode.CRITICAL, reason: `every provider of tier ${deadTier[0]} is unhealthy` };
  const down = components.filter((c) => !serving(c));
  if (down.length > 0) return { mode: Mode.DEGRADED, reason: `not serving: ${down.map((c) => c.name).join(', ')}` };
  return { mode: Mode.NORMAL, reason: '' };
}
