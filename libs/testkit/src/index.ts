export * from './ports.ts';
export * from './redis.ts';
export * from './service-process.ts';
export * from './stack.ts';
