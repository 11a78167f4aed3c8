// An engine's metrics: the shared block its workers write, the prom-client
// metrics that read it, and the counters of what happens on the calling
// thread (reloads, alerts). Registered on the registry the host passes in,
// or on a fresh one: never on prom-client's global registry.

import { loadAddon, type EngineName } from '../native/addon.js';
import { registerProcessMemoryMetrics } from './process-memory-metrics.js';
import { Counter, Registry } from 'prom-client';
import { UsageError } from '../engine/errors.js';
import { BlockReader, registerCollectedMetrics, type EngineFigures } from './collector.js';
import { oncePerScrape, registerSharedStateMetrics, type SharedStateStats } from './shared-state-metrics.js';
import { allocateDataShare, readDataShare, registerDatasourceMetrics } from './datasource-metrics.js';
import { GAUGES, MetricLayout, viewsOf, type BlockViews, type MetricsShare } from './metric-layout.js';

export interface MetricsOptions {
  /** Where the metrics are registered; default: a fresh Registry (engine.metrics.registry). */
  registry?: Registry;
}

/** The engine's own figures, read at scrape time. */
export type PoolFigures = Omit<EngineFigures, 'engine' | 'engineVersion' | 'version' | 'threads' | 'masters'>;

/** What the metrics read from the engine they watch (the Engine, before and after reload exists). */
export interface WatchedEngine {
  readonly engine: string;
  readonly engineVersion: string;
  readonly version: string;
  readonly threads: number;
  readonly closed: boolean;
  readonly masters?: { live: number; retiring: number };
  /** The process's shared store and msys.cidr figures (scriptlet_state_*, scriptlet_cidr_*); without it, those metrics are not registered. */
  sharedStateStats?(): SharedStateStats;
  on?(event: 'reload', listener: (e: ReloadEvent) => void): unknown;
  on?(event: 'alert', listener: (a: AlertEvent) => void): unknown;
}

/** What the engine emits after a reload (ok: the new scripts serve; else the old ones still do). */
export interface ReloadEvent {
  ok: boolean;
  version: string;
  error?: Error;
}

export interface AlertEvent {
  kind: string;
  message: string;
}

/** Alert kinds become label values; past this many distinct ones, the rest count as "other". */
const MAX_ALERT_KINDS = 16;

/** Checks options.metrics: false, or an object with an optional registry. */
export function checkMetricsOption(value: unknown): MetricsOptions | false {
  if (value === false) return false;
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new UsageError(`options.metrics must be false or an object { registry? }, got ${String(value)}`);
  const { registry, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new UsageError(`unknown option 'metrics.${unknown}'`);
  if (registry !== undefined && (typeof registry !== 'object' || registry === null || typeof (registry as Registry).registerMetric !== 'function')) {
    throw new UsageError('options.metrics.registry must be a prom-client Registry');
  }
  return { registry: registry as Registry | undefined };
}

export class EngineMetrics {
  /** The registry holding every scriptlet_* metric of this engine. */
  readonly registry: Registry;
  /** @internal What each worker gets in its setup. */
  readonly share: MetricsShare;
  readonly #layout: MetricLayout;
  readonly #views: BlockViews;
  readonly #reloads: Counter<'result'>;
  readonly #alerts: Counter<'kind'>;
  readonly #alertKinds = new Set<string>();

  constructor(options: MetricsOptions, modules: readonly string[], threads: number, engine: WatchedEngine, pool: () => PoolFigures) {
    this.registry = options.registry ?? new Registry();
    // Twice the threads: a worker that replaces a dead one may start before the dead one's slot is released.
    this.#layout = new MetricLayout(modules, threads * 2 + 2);
    const buffer = this.#layout.allocate();
    this.share = { buffer, modules: [...modules], slots: this.#layout.slots };
    this.#views = viewsOf(this.#layout, buffer);
    const figures = (): EngineFigures => ({
      engine: engine.engine,
      engineVersion: engine.engineVersion,
      version: engine.version,
      threads: engine.threads,
      masters: engine.masters ?? (engine.closed ? { live: 0, retiring: 0 } : { live: 1, retiring: 0 }),
      ...pool(),
    });
    registerCollectedMetrics(this.registry, new BlockReader(this.#layout, this.#views), figures);
    if (typeof engine.sharedStateStats === 'function') registerSharedStateMetrics(this.registry, oncePerScrape(() => engine.sharedStateStats!()));
    const addon = loadAddon(engine.engine as EngineName);
    registerProcessMemoryMetrics(this.registry, () => addon.mallocStats());
    this.#reloads = new Counter({ name: 'scriptlet_reloads_total', help: 'Script reloads, by result: ok, failed (the old scripts kept serving).', labelNames: ['result'], registers: [this.registry] });
    this.#reloads.inc({ result: 'ok' }, 0);
    this.#reloads.inc({ result: 'failed' }, 0);
    this.#alerts = new Counter({ name: 'scriptlet_alerts_total', help: 'Alerts the engine raised, by kind.', labelNames: ['kind'], registers: [this.registry] });
    if (typeof engine.on === 'function') {
      engine.on('reload', (e) => this.#reloads.inc({ result: e.ok ? 'ok' : 'failed' }));
      engine.on('alert', (a) => this.#alerts.inc({ kind: this.#alertKind(a.kind) }));
    }
  }

  /** The exposition text of the registry (every metric on it, scriptlet's and the host's). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** @internal The datasources the workers count queries of (by name), and their HTTP requests: before the workers start. */
  watchDatasources(names: string[]): void {
    this.share.data = allocateDataShare(names, this.share.slots);
    const data = this.share.data;
    registerDatasourceMetrics(this.registry, () => readDataShare(data));
  }

  /** @internal A worker's thread ended: its slot's gauges go, its counts stay, the slot is free again. */
  workerLeft(threadId: number): void {
    const { owners, figures } = this.#views;
    for (let slot = 0; slot < this.#layout.slots; slot++) {
      if (Atomics.load(owners, slot) !== threadId) continue;
      const base = slot * this.#layout.stride;
      for (const name of GAUGES) figures[base + this.#layout.gaugeOf(name)] = 0;
      Atomics.store(owners, slot, 0);
    }
  }

  #alertKind(kind: unknown): string {
    const k = typeof kind === 'string' && kind !== '' ? kind : 'unknown';
    if (this.#alertKinds.has(k)) return k;
    if (this.#alertKinds.size >= MAX_ALERT_KINDS) return 'other';
    this.#alertKinds.add(k);
    return k;
  }
}
