// One "node" of the replication tests: its own process (so its own shared
// store), an engine of two workers whose policy counts per key in a series
// replicated through Redis. Driven over IPC by test/state/redis-*.test.ts:
//   { id, op: 'add', key, n }   -> n calls, each adds 1; the last count, the slowest call's ms, all n calls' ms
//   { id, op: 'count', key }    -> one call that only counts; { value, ms }
//   { id, op: 'stats' }         -> the engine's backend figures
//   { id, op: 'close' }
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openEngine } from '../../src/index.js';

const [redisAddress, flushMs] = process.argv.slice(2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-redis-node-'));
fs.writeFileSync(
  path.join(dir, 'policy.lua'),
  `local core = require("msys.core")
local mod = {}
function mod:init()
  msys.audit_series.define("per_key", "string", 100000000, 1, { replicate = "cluster" })
end
function mod:validate_mailfrom(str, accept, vctx)
  local op, key = str:match("^(%a+):(.*)$")
  if op == "add" then msys.audit_series.add("per_key", { key = key }) end
  vctx:set_code(550, "n=" .. msys.audit_series.count("per_key", key))
  return core.VALIDATE_DONE
end
msys.registerModule("policy", mod)
`,
);
const logs: string[] = [];
const engine = openEngine({
  scripts: [{ name: 'policy', path: path.join(dir, 'policy.lua') }],
  threads: 2,
  metrics: false,
  log: (l) => logs.push(l),
  // The address, or the whole redis option as JSON (sentinel mode).
  redis: { ...(redisAddress!.startsWith('{') ? JSON.parse(redisAddress!) : { servers: [redisAddress!] }), flushIntervalMs: Number(flushMs), commandTimeoutMs: 300, connectTimeoutMs: 300 },
});
const alerts: string[] = [];
engine.on('alert', (a: { message: string }) => alerts.push(a.message));

async function call(op: string, key: string): Promise<{ value: number; ms: number }> {
  const t0 = performance.now();
  const v = await engine.run('mailfrom', { mailfrom: `${op}:${key}` });
  const ms = performance.now() - t0;
  const m = /n=(\d+)/.exec(v.disposition?.text ?? "");
  if (!m) throw new Error(`unexpected verdict ${JSON.stringify(v.disposition)} ${JSON.stringify(v.errors ?? [])}`);
  return { value: Number(m[1]), ms };
}

process.on('message', (msg: { id: number; op: string; key?: string; n?: number }) => {
  void (async () => {
    try {
      if (msg.op === 'add') {
        let last = { value: 0, ms: 0 };
        let worst = 0;
        const t0 = performance.now();
        for (let i = 0; i < (msg.n ?? 1); i++) {
          last = await call('add', msg.key!);
          worst = Math.max(worst, last.ms);
        }
        process.send!({ id: msg.id, value: last.value, ms: worst, totalMs: performance.now() - t0 });
      } else if (msg.op === 'count') {
        process.send!({ id: msg.id, ...(await call('count', msg.key!)) });
      } else if (msg.op === 'stats') {
        process.send!({ id: msg.id, value: engine.sharedStateStats().backend, alerts, logs });
      } else if (msg.op === 'close') {
        await engine.close();
        process.send!({ id: msg.id, value: 0 }, () => process.exit(0));
      }
    } catch (err) {
      process.send!({ id: msg.id, error: (err as Error).message });
    }
  })();
});
process.send!({ id: 0, ready: true });
