// The library surface: every function of Momentum's reference has the status
// src/engine/lua-function-status.ts gives it, on a real engine. Supported
// rows resolve to a function (or a field with a value); unavailable and
// planned rows raise their documented message when called, never "attempt
// to call a nil value". When another part of the library lands, the row it
// brings fails here until its status is flipped.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStubbable, LUA_FUNCTIONS, REQUIRE_NAMES, requireNames, stubMessage, type LuaFunctionRow } from '../../src/engine/lua-function-status.js';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';

const luaString = (s: string) => JSON.stringify(s);

// What each row resolves to in validate_data: "function", "field", "nil",
// "noobject" (msgpart:, client:, sess: have no object to probe here); and,
// for a row not supported, what calling it raised ("ok" if it did not).
const PROBE = `
local P = { header = "Subject", key = "k", value = "v", name = "n", subject = "a@b", pattern = "(a)",
  binding = "b", binding_group = "g", from = "a@b.example", to = "c@d.example" }
local objects = { msg = msg, vctx = vctx, ac = accept }
local function resolve(name)
  local obj, method = name:match("^(%a+):(.+)$")
  if obj then
    local target = objects[obj]
    if target == nil then return "noobject" end
    return target[method], target
  end
  local base, field = name:match("^(%a+)%.([%w_]+)$")
  if base == "msg" or base == "ac" then
    local v = objects[base][field]
    return v == nil and "nil" or "field"
  end
  local v = _G
  for part in name:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    v = v[part]
  end
  return v
end
local out = {}
for _, row in ipairs(ROWS) do
  local name, status = row[1], row[2]
  local v, self = resolve(name)
  local kind = type(v) == "string" and v or type(v)
  local called = ""
  if kind == "function" and status ~= "supported" and status ~= "different" then
    local ok, err
    if self then ok, err = pcall(v, self)
    elseif name:match("^msys%.policyeditor%.") then ok, err = pcall(v, { ec_message = msg }, {}, P)
    else ok, err = pcall(v) end
    called = ok and "ok" or tostring(err)
  end
  out[#out + 1] = name .. "\\t" .. kind .. "\\t" .. called
end
vctx:set(msys.core.VCTX_MESS, "probe", table.concat(out, "\\n"))
local loaded = {}
for _, name in ipairs(REQUIRES) do
  local ok, m = pcall(require, name)
  loaded[#loaded + 1] = name .. "=" .. (ok and type(m) or tostring(m))
end
vctx:set(msys.core.VCTX_MESS, "require", table.concat(loaded, "\\n"))
`;

const ROWS_LUA = `local ROWS = {\n${LUA_FUNCTIONS.map((r) => `{ ${luaString(r.name)}, ${luaString(r.status)} },`).join('\n')}\n}\n`;
const REQUIRES_LUA = `local REQUIRES = { ${requireNames().map(luaString).join(', ')} }\n`;
const p = dataPolicy(ROWS_LUA + REQUIRES_LUA + PROBE);
after(() => p.close());

interface Probe {
  kind: string;
  called: string;
}

function probe(): { rows: Map<string, Probe>; requires: Map<string, string> } {
  const v = p.run('data', { message: eml(['Subject: surface']), mailfrom: 'a@b.example', rcptto: ['c@d.example'] });
  assert.deepEqual(v.errors, []);
  const rows = new Map<string, Probe>();
  for (const line of (v.context.mess.probe ?? '').split('\n')) {
    const [name, kind, called] = line.split('\t') as [string, string, string];
    rows.set(name, { kind, called });
  }
  const requires = new Map<string, string>();
  for (const line of (v.context.mess.require ?? '').split('\n')) {
    const at = line.indexOf('=');
    requires.set(line.slice(0, at), line.slice(at + 1));
  }
  return { rows, requires };
}

const { rows, requires } = probe();

function check(row: LuaFunctionRow): void {
  const got = rows.get(row.name);
  assert.ok(got, `${row.name} was not probed`);
  const where = `${row.name} (${row.status} in src/engine/lua-function-status.ts)`;
  if (got.kind === 'noobject') return; // checked through its constructor below
  if (row.name === 'debug.output') {
    assert.equal(got.kind, 'nil', 'the sandbox removes the debug library');
    return;
  }
  if (row.status === 'supported' || row.status === 'different') {
    assert.ok(got.kind === 'function' || got.kind === 'field', `${where} resolves to ${got.kind}`);
    return;
  }
  if (!isStubbable(row.name)) {
    assert.equal(got.kind, 'nil', `${where} exists now: flip its status`);
    return;
  }
  assert.equal(got.kind, 'function', `${where} has no stub`);
  if (row.name.startsWith('msys.policyeditor.') && row.status === 'planned') {
    assert.match(got.called, /not available in scriptlet yet: /, `${where} works now: flip its status`);
  } else {
    assert.equal(got.called.replace(/^[^:]*:\d+: /, ''), stubMessage(row), `${where} raises something else: flip its status`);
  }
}

describe('the library surface', () => {
  it("gives a status to all 213 functions of Momentum's table, each once", () => {
    const names = LUA_FUNCTIONS.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(LUA_FUNCTIONS.filter((r) => !r.extra).length, 213);
    for (const r of LUA_FUNCTIONS) if (r.status !== 'supported') assert.notEqual(r.note, '', `${r.name} needs a note`);
  });

  for (const status of ['supported', 'different', 'planned', 'unavailable'] as const) {
    it(`has every ${status} function as its row says`, () => {
      // Every row that disagrees, not just the first: after a merge, the list of rows to flip.
      const problems: string[] = [];
      for (const row of LUA_FUNCTIONS.filter((r) => r.status === status)) {
        try {
          check(row);
        } catch (err) {
          problems.push((err as Error).message.split('\n')[0]!);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('keeps methods of objects it cannot make in step with their constructor', () => {
    const status = (name: string) => LUA_FUNCTIONS.find((r) => r.name === name)?.status;
    for (const r of LUA_FUNCTIONS.filter((x) => x.name.startsWith('msgpart:'))) {
      if (status('msg:mime') === 'planned') assert.equal(r.status === 'supported' || r.status === 'different', false, r.name);
    }
    for (const r of LUA_FUNCTIONS.filter((x) => x.name.startsWith('client:'))) {
      // Planned together, or all working: a method's note may state its own difference.
      assert.equal(r.status === 'planned', status('msys.http.client.new') === 'planned', r.name);
    }
  });

  it('loads every require name of the reference, each a table', () => {
    for (const name of REQUIRE_NAMES) assert.equal(requires.get(name), 'table', `require("${name}")`);
    for (const name of requireNames()) assert.equal(requires.get(name), 'table', `require("${name}")`);
  });

  it('still fails to require a name that is not a module', () => {
    const q = dataPolicy(`local ok, err = pcall(require, "msys.no_such_module")
      vctx:set(msys.core.VCTX_MESS, "r", tostring(ok) .. " " .. tostring(err))`);
    try {
      const v = q.run('data', { message: eml(['Subject: x']) });
      assert.match(v.context.mess.r ?? '', /^false module 'msys\.no_such_module' not found/);
    } finally {
      q.close();
    }
  });

  it('raises the stub message at the line of the script that called it', () => {
    const q = dataPolicy(`local ok, err = pcall(function() msys.snmpTrap({}) end)
      vctx:set(msys.core.VCTX_MESS, "r", err)`);
    try {
      twice(() => {
        const v = q.run('data', { message: eml(['Subject: x']) });
        assert.match(v.context.mess.r ?? '', /^=t:\d+: msys\.snmpTrap: not available in scriptlet: SNMP traps/);
      });
    } finally {
      q.close();
    }
  });

  it('leaves what a library installed alone (msys.sleep is the real one, not a stub)', () => {
    assert.equal(rows.get('msys.sleep')?.kind, 'function');
    const q = dataPolicy(`local ok, err = pcall(msys.sleep, "x") vctx:set(msys.core.VCTX_MESS, "r", err)`);
    try {
      const v = q.run('data', { message: eml(['Subject: x']) });
      assert.match(v.context.mess.r ?? '', /bad argument #1/);
      assert.doesNotMatch(v.context.mess.r ?? '', /not available/);
    } finally {
      q.close();
    }
  });

  it('gives debug.output (print) where the debug library exists: sandbox = false', () => {
    const q = dataPolicy(`debug.output("to the log")`, { sandbox: false });
    try {
      const v = q.run('data', { message: eml(['Subject: x']) });
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.logs.map((l) => l.text), ['to the log']);
    } finally {
      q.close();
    }
  });
});
