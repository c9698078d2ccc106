/** The cache's counters, all monotonic since start; Stats reports them. */
export interface CacheCounters {
  localHits: number;
  localMisses: number;
  redisHits: number;
  redisMisses: number;
  /** Reads that found nothing servable in either layer. */
  misses: number;
  staleHits: number;
  puts: number;
  evictions: number;
  expired: number;
  /** Redis calls that failed or timed out. */
  redisErrors: number;
  redisTimeouts: number;
  /** Redis calls not made: breaker open or Redis disconnected. */
  redisSkipped: number;
  invalidationsSent: number;
  invalidationsReceived: number;
  resyncs: number;
  leaseGrants: number;
  leaseWaits: number;
  leaseTimeouts: number;
  warmed: number;
  /** Outage-time writes that could not be queued for replay (the queue was full). */
  pendingDropped: number;
}

export function createCounters(): CacheCounters {
  return {
    localHits: 0,
    localMisses: 0,
    redisHits: 0,
    redisMisses: 0,
    misses: 0,
    staleHits: 0,
    puts: 0,
    evictions: 0,
    expired: 0,
    redisErrors: 0,
    redisTimeouts: 0,
    redisSkipped: 0,
    invalidationsSent: 0,
    invalidationsReceived: 0,
    resyncs: 0,
    leaseGrants: 0,
    leaseWaits: 0,
    leaseTimeouts: 0,
    warmed: 0,
    pendingDropped: 0,
  };
}
