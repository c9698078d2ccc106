export * from './config-error.ts';
export * from './default-config.ts';
export * from './known-providers.ts';
export * from './load.ts';
export * from './secret.ts';
export * from './types.ts';
export { formatDuration } from '@ultra/core';
export * from './modes.ts';
export * from './auth.ts';
