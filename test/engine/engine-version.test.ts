// The engine names what is vendored (vendor/README.md), the same way to Lua
// (msys.engine) and to the host (engineVersion), on each engine.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyFrom } from '../helpers/lua-policy.js';
import { vendoredEngineVersion } from '../helpers/vendored-engine.js';

const SHOW_ENGINE = 'msys.registerModule("t", { validate_connect = function(s, a, vctx) vctx:set(msys.core.VCTX_CONN, "engine", msys.engine) return msys.core.VALIDATE_CONT end })';

describe('engine version', () => {
  it('is the vendored engine and version, in msys.engine and engineVersion alike', () => {
    const p = policyFrom(SHOW_ENGINE);
    try {
      const expected = vendoredEngineVersion(p.engine);
      assert.equal(p.engineVersion, expected);
      for (let round = 0; round < 2; round++) assert.equal(p.run('connect', {}).context.conn.engine, expected);
    } finally {
      p.close();
    }
  });

  it("is not LuaJIT's LUAJIT_VERSION, which luajit2 leaves at 2.1.0-beta3", () => {
    const p = policyFrom(SHOW_ENGINE);
    assert.doesNotMatch(p.engineVersion, /beta/);
    p.close();
  });
});
