/**
 * The default options of `@ultra/resilience`'s mechanisms, without the mechanisms
 * (`@ultra/resilience/defaults`): for config, which every process loads first, so that a
 * process that runs no breaker machine does not load XState for its defaults.
 */
export { defaultAdaptiveLimitOptions } from './adaptive-limit.ts';
export { defaultBackoffOptions } from './backoff.ts';
export { defaultBreakerOptions } from './breaker-options.ts';
export { defaultBulkheadOptions } from './bulkhead.ts';
export { defaultRetryOptions } from './retry.ts';
export { defaultRetryBudgetOptions } from './retry-budget.ts';
export { defaultSlowWaitOptions } from './slow-wait.ts';
