export * from './clock.ts';
export * from './random.ts';
export * from './duration.ts';
export * from './notifier.ts';
export * from './guards.ts';
export * from './errors/index.ts';
export * from './latency-window.ts';
export * from './linked-abort.ts';
