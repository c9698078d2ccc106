import type { Meter } from '@opentelemetry/api';
import type { Store } from './store.ts';

/**
 * The cache's Prometheus metrics, read from its counters when scraped (nothing on the
 * request path). The hit ratio per layer is
 * `rate(ultra_cache_hits_total{layer="local"}[5m]) / (rate(ultra_cache_hits_total[5m]) + rate(ultra_cache_misses_total[5m]))`.
 */
export function registerCacheMetrics(meter: Meter, store: Store): void {
  const c = store.counters;
  meter
    .createObservableCounter('ultra_cache_hits', { description: 'Reads answered, by layer: local (this replica), redis, stale (past TTL, served because the caller allowed it)' })
    .addCallback((r) => {
      r.observe(c.localHits, { layer: 'local' });
      r.observe(c.redisHits, { layer: 'redis' });
      r.observe(c.staleHits, { layer: 'stale' });
    });
  meter.createObservableCounter('ultra_cache_misses', { description: 'Reads that found nothing servable in either layer' }).addCallback((r) => r.observe(c.misses));
  meter.createObservableCounter('ultra_cache_puts', { description: 'Entries stored' }).addCallback((r) => r.observe(c.puts));
  meter.createObservableCounter('ultra_cache_evictions', { description: 'Entries the local replica dropped for its bounds' }).addCallback((r) => r.observe(c.evictions));
  meter
    .createObservableCounter('ultra_cache_redis_failures', { description: 'Redis calls that failed (error), timed out (timeout), or were not made because Redis is down (skipped)' })
    .addCallback((r) => {
      r.observe(c.redisErrors, { kind: 'error' });
      r.observe(c.redisTimeouts, { kind: 'timeout' });
      r.observe(c.redisSkipped, { kind: 'skipped' });
    });
  meter.createObservableGauge('ultra_cache_entries', { description: 'Entries in the local replica' }).addCallback((r) => r.observe(store.local.size));
  meter.createObservableGauge('ultra_cache_bytes', { description: 'Bytes in the local replica' }).addCallback((r) => r.observe(store.local.bytes));
  meter
    .createObservableGauge('ultra_cache_redis_up', { description: 'Redis reachable (1) or the cache serving from its local replica alone (0); absent without Redis' })
    .addCallback((r) => {
      if (store.backend === 'redis') r.observe(store.health.degraded ? 0 : 1);
    });
}
