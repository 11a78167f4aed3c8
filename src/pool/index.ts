// The worker-pool engine: policies run on worker threads, each owning its
// Lua master state. See docs/threads.md.

export { Engine, openEngine, DEFAULT_CLOSE_DEADLINE_MS } from './engine.js';
export { engineFromConfig } from './engine-from-config.js';
export type { CloseOptions } from './engine.js';
export type { EngineStats } from './engine-stats.js';
export type { EngineOptions, EngineTuning } from './options.js';
export type { Alert, ReloadResult } from './reload.js';
export { TEMPFAIL_CODE, TEMPFAIL_TEXT } from './pool-verdict.js';
export type { PoolVerdict, TempfailReason } from './pool-verdict.js';
export type { WorkerStats, WorkerPolicyStats } from './protocol.js';
