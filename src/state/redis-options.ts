// Options of the Redis backend of replicated series (replicate = "cluster"):
// what the `redis_cluster` configuration scope sets (src/config/redis-cluster-scope.ts)
// and what a host passes as the engine's `redis` option. docs/scale-out.md.

import { UsageError } from '../engine/errors.js';

export type RedisMode = 'standalone' | 'cluster' | 'sentinel';

export interface RedisStateOptions {
  /** "host:port" addresses: the server (standalone), seed nodes (cluster) or the sentinels. */
  servers: string[];
  /** Default "standalone". */
  mode?: RedisMode;
  /** The master's name the sentinels know (sentinel mode). */
  sentinelMaster?: string;
  password?: string;
  /** Database number (standalone and sentinel). Default 0. */
  db?: number;
  /** Put before every key. Default "scriptlet:". */
  keyPrefix?: string;
  /** How often adds are sent and totals read back, in ms. Default 200. */
  flushIntervalMs?: number;
  /** How long a connection attempt may take, in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** How long a flush may wait for its answers, in ms. Default 1000. */
  commandTimeoutMs?: number;
  /** A key neither added nor counted for this long is no longer read back, in s. Default 60. */
  idleKeySeconds?: number;
}

export type ResolvedRedisOptions = Required<Omit<RedisStateOptions, 'password' | 'sentinelMaster'>> & Pick<RedisStateOptions, 'password' | 'sentinelMaster'>;

export const REDIS_DEFAULTS = {
  mode: 'standalone' as RedisMode,
  db: 0,
  keyPrefix: 'scriptlet:',
  flushIntervalMs: 200,
  connectTimeoutMs: 2000,
  commandTimeoutMs: 1000,
  idleKeySeconds: 60,
};

const MODES: readonly RedisMode[] = ['standalone', 'cluster', 'sentinel'];
const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

/** "host:port" or "[v6]:port" -> its parts; undefined when malformed. */
export function parseRedisAddress(text: string): { host: string; port: number } | undefined {
  const m = ADDRESS.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Checks the options with exact messages and fills in the defaults. */
export function resolveRedisOptions(o: RedisStateOptions, prefix = 'options.redis'): ResolvedRedisOptions {
  if (typeof o !== 'object' || o === null) throw new UsageError(`${prefix} must be an object`);
  const known = ['servers', 'mode', 'sentinelMaster', 'password', 'db', 'keyPrefix', 'flushIntervalMs', 'connectTimeoutMs', 'commandTimeoutMs', 'idleKeySeconds'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new UsageError(`unknown option '${prefix}.${k}'`);
  if (!Array.isArray(o.servers) || o.servers.length === 0) throw new UsageError(`${prefix}.servers must be a non-empty list of "host:port"`);
  for (const s of o.servers) if (typeof s !== 'string' || !parseRedisAddress(s)) throw new UsageError(`${prefix}.servers: '${String(s)}' is not "host:port"`);
  const mode = o.mode ?? REDIS_DEFAULTS.mode;
  if (!MODES.includes(mode)) throw new UsageError(`${prefix}.mode must be one of ${MODES.join(', ')}, got ${String(mode)}`);
  if (mode === 'sentinel' && (typeof o.sentinelMaster !== 'string' || o.sentinelMaster === '')) throw new UsageError(`${prefix}.sentinelMaster is required in sentinel mode`);
  const int = (v: unknown, name: string, min: number, max: number, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new UsageError(`${prefix}.${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
    return v;
  };
  if (o.keyPrefix !== undefined && typeof o.keyPrefix !== 'string') throw new UsageError(`${prefix}.keyPrefix must be a string`);
  if (o.password !== undefined && typeof o.password !== 'string') throw new UsageError(`${prefix}.password must be a string`);
  return {
    servers: [...o.servers],
    mode,
    db: int(o.db, 'db', 0, 65535, REDIS_DEFAULTS.db),
    keyPrefix: o.keyPrefix ?? REDIS_DEFAULTS.keyPrefix,
    flushIntervalMs: int(o.flushIntervalMs, 'flushIntervalMs', 10, 60_000, REDIS_DEFAULTS.flushIntervalMs),
    connectTimeoutMs: int(o.connectTimeoutMs, 'connectTimeoutMs', 10, 600_000, REDIS_DEFAULTS.connectTimeoutMs),
    commandTimeoutMs: int(o.commandTimeoutMs, 'commandTimeoutMs', 10, 600_000, REDIS_DEFAULTS.commandTimeoutMs),
    idleKeySeconds: int(o.idleKeySeconds, 'idleKeySeconds', 1, 86_400, REDIS_DEFAULTS.idleKeySeconds),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.sentinelMaster !== undefined ? { sentinelMaster: o.sentinelMaster } : {}),
  };
}
