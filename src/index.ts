// scriptlet: Momentum-style Lua mail policies for Node.js.

export { openPolicy, Policy, scriptsVersion } from './engine/policy.js';
export type { PolicyOptions, PolicyStats, ScriptSpec } from './engine/policy.js';
export type { PolicyTuning } from './engine/options.js';
export type { ScriptConsole } from './engine/suspension.js';
export { Verdict } from './engine/verdict.js';
export type { CallInput, CapabilityEdit, Context, Disposition, HeaderEdit, InjectedMessage, LogLine } from './engine/verdict.js';
export { calloutOf, DELIVERY_LOG_PHASES, PHASES, RECIPIENT_COPY_PHASES, type DeliveryLogPhase } from './engine/phases.js';
export type { Phase } from './engine/phases.js';
export { ScriptletError, UsageError, ScriptError, LoadError } from './engine/errors.js';
export type { ScriptFailure, LoadFailure } from './engine/errors.js';
export type { LimitKind } from './native/types.js';
export { ENGINES, loadAddon } from './native/addon.js';
export type { EngineName } from './native/addon.js';
export * from './config/index.js';
export { runTransaction } from './engine/transaction.js';
export { deliveryLogInput, deliveryLogPhase, type DeliveryFacts } from './engine/delivery-log.js';
export type { Transaction, TransactionResult } from './engine/transaction.js';
export { policyFromConfig } from './engine/from-config.js';
export * from './pool/index.js';
export { startMetricsServer, DEFAULT_METRICS_PORT } from './metrics/index.js';
export type { EngineMetrics, MetricsOptions, MetricsServer, MetricsServerOptions } from './metrics/index.js';
export { configureState, flushState, inboundAudit, stateStatus, setStateClockForTests } from './state/index.js';
export type { RedisStateOptions, RedisMode } from './state/redis-options.js';
export type { AuditCountKind, InboundAudit, StateOptions, StateStatus } from './state/index.js';
export { closeAllDatasources, loadWantedCidrs, type DatasourceConfig } from './datasource/index.js';
export { registerDatasourceMetrics } from './metrics/datasource-metrics.js';
