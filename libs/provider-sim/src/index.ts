export { createSimulator, type SimAddress, type Simulator, type SimulatorOptions } from './simulator.ts';
export { ERROR_KINDS, ERROR_STATUSES, FaultsSchema, NO_FAULTS, parseFaults, type ErrorKind, type ErrorStatus, type Faults, type FaultsInput } from './faults.ts';
export type { ProviderStats, SimStats } from './stats.ts';
export { buildAnswer, countWords, QUOTE_LIMIT, type SimAnswer, type SimRequest } from './answer.ts';
