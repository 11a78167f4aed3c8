// What Engine.stats() answers: the pool's figures and every worker's.

import type { EngineName } from '../native/addon.js';
import type { TempfailReason } from './pool-verdict.js';
import type { WorkerStats } from './protocol.js';

export interface EngineStats {
  engine: EngineName;
  version: string;
  threads: number;
  /** Calls accepted, and the tasks (batches) they went to workers in. */
  calls: number;
  tasks: number;
  /** Calls waiting for a batch to be sent, and batches at a worker. */
  waitingCalls: number;
  tasksInFlight: number;
  /** Calls answered with a 451 because their worker died, or because shutdown's deadline came first. */
  tempfailed: Record<TempfailReason, number>;
  /** Workers that exited without being asked to (piscina started others). */
  workerExits: number;
  /** Errors the pool reported outside any call. */
  poolErrors: number;
  /** Every live worker's figures, by thread id. */
  workers: WorkerStats[];
}
