export * from './ports.ts';
export * from './redis.ts';
export * from './service-process.ts';
export * from './stack.ts';
export * from './wait-for.ts';
export * from './redis-control.ts';
export * from './cache-process.ts';
export * from './certs.ts';
