// The `redis_cluster` scope: where series defined with replicate = "cluster"
// keep their counts (docs/scale-out.md). Top level, beside `scriptlet`, at
// most once:
//
//   redis_cluster {
//     servers = ( "10.0.0.5:6379" )       # the server, cluster seeds or sentinels
//     mode = "standalone"                 # standalone | cluster | sentinel
//     sentinel_master = "mymaster"        # sentinel mode
//     password = "..."  db = 0  key_prefix = "scriptlet:"
//     flush_interval_ms = 200  connect_timeout_ms = 2000  command_timeout_ms = 1000
//     idle_key_seconds = 60
//   }

import type { ProblemList } from './errors.js';
import { unknownOptionMessage } from './scriptlet-options.js';
import { describeValue, findScopes, scalarText, type ConfigScope, type ConfigValue } from './tree.js';
import { parseRedisAddress, resolveRedisOptions, type RedisStateOptions } from '../state/redis-options.js';

export const REDIS_SCOPE = 'redis_cluster';

type Reader = (value: ConfigValue) => unknown;

const text: Reader = (v) => (v.kind === 'string' || v.kind === 'word' ? v.text : undefined);
const integer = (min: number, max: number): Reader => (v) => {
  const t = scalarText(v);
  if (t === undefined || !/^[0-9]+$/.test(t)) return undefined;
  const n = Number(t);
  return n >= min && n <= max ? n : undefined;
};
const servers: Reader = (v) => {
  const items = v.kind === 'list' ? v.items : [v];
  const out = items.map((i) => scalarText(i));
  return out.length > 0 && out.every((s) => s !== undefined && parseRedisAddress(s)) ? out : undefined;
};
const mode: Reader = (v) => {
  const t = scalarText(v)?.toLowerCase();
  return t === 'standalone' || t === 'cluster' || t === 'sentinel' ? t : undefined;
};

const OPTIONS: Record<string, { key: keyof RedisStateOptions; expects: string; read: Reader }> = {
  servers: { key: 'servers', expects: 'a list of "host:port" addresses, e.g. ( "127.0.0.1:6379" )', read: servers },
  mode: { key: 'mode', expects: "'standalone', 'cluster' or 'sentinel'", read: mode },
  sentinel_master: { key: 'sentinelMaster', expects: "the master's name the sentinels know", read: text },
  password: { key: 'password', expects: 'a string', read: text },
  db: { key: 'db', expects: 'an integer from 0 to 65535', read: integer(0, 65535) },
  key_prefix: { key: 'keyPrefix', expects: 'a string', read: text },
  flush_interval_ms: { key: 'flushIntervalMs', expects: 'milliseconds from 10 to 60000', read: integer(10, 60_000) },
  connect_timeout_ms: { key: 'connectTimeoutMs', expects: 'milliseconds from 10 to 600000', read: integer(10, 600_000) },
  command_timeout_ms: { key: 'commandTimeoutMs', expects: 'milliseconds from 10 to 600000', read: integer(10, 600_000) },
  idle_key_seconds: { key: 'idleKeySeconds', expects: 'seconds from 1 to 86400', read: integer(1, 86_400) },
};

/** The top-level redis_cluster scope as engine options, or undefined when there is none. */
export function readRedisCluster(tree: ConfigScope, problems: ProblemList): RedisStateOptions | undefined {
  const scopes = findScopes(tree, REDIS_SCOPE);
  const scope = scopes[0];
  if (!scope) return undefined;
  for (const extra of scopes.slice(1)) problems.add(extra.origin, `only one '${REDIS_SCOPE}' scope is allowed (the first is at line ${scope.origin.line})`);
  const out: Record<string, unknown> = {};
  for (const node of scope.body) {
    if (node.kind === 'scope') {
      problems.add(node.origin, `unexpected scope '${node.name}' in '${REDIS_SCOPE}': it takes only options`);
      continue;
    }
    const spec = OPTIONS[node.name.toLowerCase()];
    if (!spec) {
      problems.add(node.origin, unknownOptionMessage(node.name, Object.keys(OPTIONS)));
      continue;
    }
    const value = spec.read(node.value);
    if (value === undefined) problems.add(node.value.origin, `option '${node.name}' expects ${spec.expects}, found ${describeValue(node.value)}`);
    else out[spec.key] = value;
  }
  if (out.servers === undefined) {
    problems.add(scope.origin, `'${REDIS_SCOPE}' needs servers = ( "host:port" ... )`);
    return undefined;
  }
  try {
    return resolveRedisOptions(out as unknown as RedisStateOptions, REDIS_SCOPE) && (out as unknown as RedisStateOptions);
  } catch (err) {
    problems.add(scope.origin, (err as Error).message.replace(`${REDIS_SCOPE}.sentinelMaster`, `${REDIS_SCOPE}: sentinel_master`));
    return undefined;
  }
}
