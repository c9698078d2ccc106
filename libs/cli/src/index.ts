export * from './supervisor.ts';
export * from './processes.ts';
