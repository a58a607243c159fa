// The simulated registrar: what the engine, the tests, the benchmarks and the CLI use.
export { startSim, type SimHandle } from './server.ts';
export { parseSimFlags, resolveSimOptions, SimOptionError, type ResolvedSimOptions, type SimFlags, type SimOptions } from './options.ts';
export { defaultContactHandles, OTHER_ACCOUNTS, SEEDED_TAKEN_NAMES, SIM_DEFAULTS, type ContactHandles, type Prices } from './defaults.ts';
export type { FaultSettings } from './faults.ts';
export type { EffectCounts } from './state.ts';
export type { LogEntry } from './sim-stats.ts';
