export * from './domain-error.ts';
export * from './invalid-request.ts';
export * from './no-candidates.ts';
export * from './rate-limited.ts';
export * from './unavailable.ts';
export * from './given-up.ts';
