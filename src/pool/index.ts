// The worker-pool engine: policies run on worker threads, each owning its
// Lua master state. See docs/threads.md.

export { Engine, openEngine, engineFromConfig, DEFAULT_CLOSE_DEADLINE_MS } from './engine.js';
export type { CloseOptions, EngineStats } from './engine.js';
export type { EngineOptions, EngineTuning } from './options.js';
export type { Alert, ReloadResult } from './reload.js';
export { TEMPFAIL_CODE, TEMPFAIL_TEXT } from './pool-verdict.js';
export type { PoolVerdict, TempfailReason } from './pool-verdict.js';
export type { WorkerStats, WorkerPolicyStats } from './protocol.js';
