// Options of an in-thread Policy, validated with exact messages before they
// reach C++ (which checks them again: the binding can be reached directly).

import { UsageError } from './errors.js';
import type { NativeMasterOptions } from '../native/types.js';

export interface PolicyTuning {
  /** lua_gc(L, LUA_GCSETPAUSE, n). Default 200. */
  gcPause?: number;
  /** lua_gc(L, LUA_GCSETSTEPMUL, n). Default 200. */
  gcStepmul?: number;
  /** A full collection after every call (slow; for compatibility). */
  alwaysGc?: boolean;
  /** Idle Lua threads kept for reuse; 0 keeps none. Default 5000. */
  maxSparePerMaster?: number;
  /** A Lua thread is discarded after this many uses. Default 5000. */
  maxUsesPerThread?: number;
  /** What a phase does when a callout fails: go on, or answer 451. */
  onError?: 'continue' | 'tempfail';
  /** Lua instructions one call may run; 0: no limit. Default 10 000 000. */
  instructionLimit?: number;
  /** Seconds one call may take, its suspensions included; 0: no limit. Default 5. */
  callTimeout?: number;
  /** Bytes the master Lua state may hold; 0: no limit. Default 256 MiB. */
  memoryLimit?: number;
}

const INTEGER_OPTIONS: Record<string, { min: number; what: string }> = {
  gcPause: { min: 1, what: 'a positive integer' },
  gcStepmul: { min: 1, what: 'a positive integer' },
  maxSparePerMaster: { min: 0, what: 'a non-negative integer' },
  maxUsesPerThread: { min: 1, what: 'a positive integer' },
};

/** Up to 2^53: a budget or a size is no 32-bit quantity. */
const LIMIT_OPTIONS: Record<string, string> = {
  instructionLimit: 'a non-negative integer (0: no limit)',
  memoryLimit: 'a non-negative integer of bytes (0: no limit)',
};

export const TUNING_KEYS = [
  'gcPause',
  'gcStepmul',
  'alwaysGc',
  'maxSparePerMaster',
  'maxUsesPerThread',
  'onError',
  'instructionLimit',
  'callTimeout',
  'memoryLimit',
];

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Checks tuning options and maps them to the native names. */
export function nativeTuning(tuning: Record<string, unknown>, prefix = 'options'): NativeMasterOptions {
  const out: NativeMasterOptions = {};
  for (const [key, value] of Object.entries(tuning)) {
    if (value === undefined) continue;
    const int = INTEGER_OPTIONS[key];
    if (int) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < int.min || value > 2 ** 31 - 1) {
        throw new UsageError(`${prefix}.${key} must be ${int.what}, got ${show(value)}`);
      }
      (out as Record<string, number>)[key] = value;
    } else if (LIMIT_OPTIONS[key]) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new UsageError(`${prefix}.${key} must be ${LIMIT_OPTIONS[key]}, got ${show(value)}`);
      }
      (out as Record<string, number>)[key] = value;
    } else if (key === 'callTimeout') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new UsageError(`${prefix}.callTimeout must be a non-negative number of seconds (0: no limit), got ${show(value)}`);
      }
      out.callTimeout = value;
    } else if (key === 'alwaysGc') {
      if (typeof value !== 'boolean') throw new UsageError(`${prefix}.alwaysGc must be a boolean, got ${show(value)}`);
      out.alwaysGc = value;
    } else if (key === 'onError') {
      if (value !== 'continue' && value !== 'tempfail') {
        throw new UsageError(`${prefix}.onError must be 'continue' or 'tempfail', got ${show(value)}`);
      }
      out.tempfailOnError = value === 'tempfail';
    } else {
      throw new UsageError(`unknown option '${key}'`);
    }
  }
  return out;
}
