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

const engine = process.env.SCRIPTLET_ENGINE ?? 'luajit';
const DRIVER = engine === 'lua51' ? 'engines/lua51/build/Release/c_driver' : 'build/Release/c_driver';

interface DriverResult {
  engine: string;
  code: number;
  luaAllocsPerMessage: number;
  cxxAllocsPerMessage: number;
}

function drive(policy: string, path: 'pcall' | 'run'): DriverResult {
  const out = execFileSync(DRIVER, [`bench/policies/${policy}.lua`, policy, 'bench/messages/gen-2k.eml', '3000'], {
    encoding: 'utf8',
    env: { ...process.env, SCRIPTLET_DRIVER_PATH: path === 'run' ? 'run' : '' },
  });
  return JSON.parse(out) as DriverResult;
}

describe('the C driver', { skip: !fs.existsSync(DRIVER) && `${DRIVER} is not built` }, () => {
  for (const path of ['pcall', 'run'] as const) {
    it(`through ${path}: no allocation per message for the trivial policy`, () => {
      const r = drive('trivial', path);
      assert.equal(r.engine, engine);
      assert.equal(r.code, 0);
      assert.equal(r.cxxAllocsPerMessage, 0);
      assert.equal(r.luaAllocsPerMessage, 0);
    });

    it(`through ${path}: only the reference policy's own tables`, () => {
      const r = drive('reference', path);
      assert.equal(r.code, 250);
      assert.equal(r.cxxAllocsPerMessage, 0);
      // Three msg:header tables (two Lua allocations each on Lua 5.1: the
      // table and its array), and now and then a value string made again
      // after the collector freed the last one.
      const tables = engine === 'lua51' ? 6 : 3;
      assert.ok(r.luaAllocsPerMessage >= tables && r.luaAllocsPerMessage < tables + 0.1, `${r.luaAllocsPerMessage}`);
    });
  }
});
