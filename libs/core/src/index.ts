export * from './clock.ts';
export * from './random.ts';
export * from './duration.ts';
export * from './notifier.ts';
export * from './latency-window.ts';
