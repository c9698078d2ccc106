export * from './clients.ts';
export * from './grpc-health.ts';
export * from './listener.ts';
export * from './logger.ts';
export * from './run-service.ts';
export * from './outcome.ts';
export * from './watch-loop.ts';
export * from './tls.ts';
