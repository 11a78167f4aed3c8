// The versions of the policy an engine has built: the one serving new calls,
// and older ones still finishing calls sent before a reload. Every task is
// counted against the version it was sent under, so a version stops serving
// at once on reload but is closed (its master Lua state freed on every
// worker) only when its last task has ended. Only the engine's thread
// touches this; the workers hear of it through control messages.

import type { LogLine } from '../engine/verdict.js';
import type { PolicySpec } from './protocol.js';

export type VersionState = 'candidate' | 'serving' | 'retiring' | 'closed';

export interface PolicyVersion {
  /** Names this version on the wire (a task's TASK_POLICY). */
  readonly id: number;
  /** The hash of its scripts: what verdict.version says. */
  readonly version: string;
  readonly spec: PolicySpec;
  readonly loadLogs: LogLine[];
  /** When it was built (Date.now()). */
  readonly builtAt: number;
  /** Workers known to have its master open. */
  readonly openOn: Set<number>;
  /** Tasks sent under it and not yet ended by their worker. */
  tasks: number;
  state: VersionState;
}

export class PolicyVersions {
  readonly #live = new Map<number, PolicyVersion>();
  #current: PolicyVersion;
  #nextId: number;

  constructor(first: { id: number; version: string; spec: PolicySpec; loadLogs: LogLine[] }) {
    this.#nextId = first.id + 1;
    this.#current = this.#make(first.id, first);
    this.#current.state = 'serving';
  }

  /** The version new calls run under. */
  get current(): PolicyVersion {
    return this.#current;
  }

  /** Versions not closed yet: the serving one and those retiring. */
  get live(): PolicyVersion[] {
    return [...this.#live.values()];
  }

  /** Master states open on workers: the serving version's, and older ones' still finishing calls. */
  get masters(): { live: number; retiring: number } {
    let retiring = 0;
    for (const v of this.#live.values()) if (v.state === 'retiring') retiring += v.openOn.size;
    return { live: this.#current.openOn.size, retiring };
  }

  /** A candidate version, known to the workers but serving nothing until serve(). */
  add(built: { version: string; spec: PolicySpec; loadLogs: LogLine[] }): PolicyVersion {
    return this.#make(this.#nextId++, built);
  }

  /**
   * Makes a candidate the serving version. The one it replaces retires; it is
   * returned when no task of it is left, to be closed at once.
   */
  serve(next: PolicyVersion): PolicyVersion | undefined {
    const previous = this.#current;
    previous.state = 'retiring';
    next.state = 'serving';
    this.#current = next;
    return previous.tasks === 0 ? previous : undefined;
  }

  taskSent(v: PolicyVersion): void {
    v.tasks++;
  }

  /** A task ended on its worker; returns its version when that was the last task of a retiring one. */
  taskEnded(v: PolicyVersion): PolicyVersion | undefined {
    v.tasks--;
    return v.state === 'retiring' && v.tasks === 0 ? v : undefined;
  }

  /** A candidate that failed, or a retired version: forgotten. */
  close(v: PolicyVersion): void {
    v.state = 'closed';
    v.openOn.clear();
    this.#live.delete(v.id);
  }

  /** A worker's thread ended: the masters it held are gone with it. */
  workerLeft(threadId: number): void {
    for (const v of this.#live.values()) v.openOn.delete(threadId);
  }

  #make(id: number, built: { version: string; spec: PolicySpec; loadLogs: LogLine[] }): PolicyVersion {
    const v: PolicyVersion = { id, ...built, builtAt: Date.now(), openOn: new Set(), tasks: 0, state: 'candidate' };
    this.#live.set(id, v);
    return v;
  }
}
