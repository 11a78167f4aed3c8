// Prometheus metrics of the worker-pool engine (prom-client): workers add up
// their figures in shared memory, read at scrape time. See README "Metrics".

export type { EngineMetrics } from './engine-metrics.js';
export type { MetricsOptions } from './engine-metrics.js';
export { startMetricsServer, DEFAULT_METRICS_PORT } from './server.js';
export type { MetricsServer, MetricsServerOptions } from './server.js';
export { DURATION_BUCKETS, RESULTS, ERROR_KINDS, THREAD_EVENTS } from './metric-layout.js';
