export * from './metrics.ts';
export * from './propagation.ts';
export * from './spans.ts';
export * from './service-scope.ts';
export * from './sdk-shutdown.ts';
export * from './tracing-off.ts';
