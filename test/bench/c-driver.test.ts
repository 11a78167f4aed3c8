// The C driver (bench/c-driver: the core without Node, what the benchmarks
// measure the addon against) runs each reference policy through lua_pcall
// and through MasterState::run, and after warm-up the core makes no C++
// allocation per message (counted by the driver's own operator new) and no
// Lua allocation beyond what the policy makes: none for the trivial one,
// the three tables msg:header returns for the reference one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const engine = process.env.SCRIPTLET_ENGINE ?? 'luajit';
const DRIVER = engine === 'lua51' ? 'engines/lua51/build/Release/c_driver' : 'build/Release/c_driver';

interface DriverResult {
  engine: string;
  code: number;
  luaAllocsPerMessage: number;
  cxxAllocsPerMessage: number;
}

function drive(policy: string, way: 'pcall' | 'run', file = `bench/policies/${policy}.lua`): DriverResult {
  const out = execFileSync(DRIVER, [file, policy, 'bench/messages/gen-2k.eml', '3000'], {
    encoding: 'utf8',
    env: { ...process.env, SCRIPTLET_DRIVER_PATH: way === 'run' ? 'run' : '' },
  });
  return JSON.parse(out) as DriverResult;
}

// Keys, values and a reply longer than std::string holds inline (15 bytes),
// through every context accessor: the maps keep those strings from call to call.
const LONG_CONTEXTS = `
local core = require("msys.core")
local mod = {}
function mod:validate_data(msg, accept, vctx)
  vctx:set(core.VCTX_MESS, "a-context-key-longer-than-sixteen-bytes", "and a value longer than sixteen bytes too")
  vctx:set(core.VCTX_CONN, "another-long-connection-key", "another value longer than sixteen bytes")
  local v = vctx:get(core.VCTX_MESS, "a-context-key-longer-than-sixteen-bytes")
  msg:context_set(core.VCTX_MESS, "third-long-key-for-the-message", v)
  if msg:context_get(core.VCTX_MESS, "third-long-key-for-the-message") ~= v then error("lost") end
  vctx:set_code(250, "2.0.0 Accepted by policy, with a reply text far longer than sixteen bytes")
  return core.VALIDATE_CONT
end
msys.registerModule("contexts", mod)
`;

describe('the C driver', { skip: !fs.existsSync(DRIVER) && `${DRIVER} is not built` }, () => {
  for (const way of ['pcall', 'run'] as const) {
    it(`through ${way}: no allocation per message for the trivial policy`, () => {
      const r = drive('trivial', way);
      assert.equal(r.engine, engine);
      assert.equal(r.code, 0);
      assert.equal(r.cxxAllocsPerMessage, 0);
      assert.equal(r.luaAllocsPerMessage, 0);
    });

    it(`through ${way}: only the reference policy's own tables`, () => {
      const r = drive('reference', way);
      assert.equal(r.code, 250);
      assert.equal(r.cxxAllocsPerMessage, 0);
      // Three msg:header tables (two Lua allocations each on Lua 5.1: the
      // table and its array), and now and then a value string made again
      // after the collector freed the last one.
      const tables = engine === 'lua51' ? 6 : 3;
      assert.ok(r.luaAllocsPerMessage >= tables && r.luaAllocsPerMessage < tables + 0.1, `${r.luaAllocsPerMessage}`);
    });

    it(`through ${way}: none for long context keys, values and reply texts`, (t) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-driver-'));
      t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
      const file = path.join(dir, 'contexts.lua');
      fs.writeFileSync(file, LONG_CONTEXTS);
      const r = drive('contexts', way, file);
      assert.equal(r.code, 250);
      assert.equal(r.cxxAllocsPerMessage, 0);
      // The value vctx:get returns, made again now and then after a collection.
      assert.ok(r.luaAllocsPerMessage < 0.1, `${r.luaAllocsPerMessage}`);
    });
  }
});
