// The sandbox, on by default: every way out of it that the issue lists is
// closed, the base library is read-only, one message never sees another's
// globals; and `sandbox: false` gives trusted scripts everything back.
// Each escape runs twice on one policy, then a normal message.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataPolicy, eml, policyFrom, twice } from '../helpers/lua-policy.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-sandbox-'));
const inside = path.join(tmp, 'lib');
fs.mkdirSync(inside);
fs.writeFileSync(path.join(inside, 'seven.lua'), 'return 7\n');
fs.writeFileSync(path.join(tmp, 'outside.lua'), 'return 666\n');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MESS = 'msys.core.VCTX_MESS';
const MESSAGE = eml(['Subject: x']);

// Runs snippet under pcall in validate_data; r = "ok|<tostring of its result>" or "error|<message>".
const p = dataPolicy(
  `local f = assert(loadstring(vctx:get(${MESS}, "snippet")))
   local ok, v = pcall(f)
   vctx:set(${MESS}, "r", (ok and "ok|" or "error|") .. tostring(v))`,
  { searchPath: [inside] },
);
after(() => p.close());

function run(snippet: string): string {
  let out = '';
  twice(() => {
    const v = p.run('data', { message: MESSAGE, context: { mess: { snippet } } });
    assert.deepEqual(v.errors, []);
    out = v.context.mess.r!;
    const normal = p.run('data', { message: MESSAGE, context: { mess: { snippet: 'return "fine"' } } });
    assert.equal(normal.context.mess.r, 'ok|fine');
  });
  return out;
}

/** Asserts that snippet fails with the refusal, located at its own line 1. */
function refused(snippet: string, what: string): void {
  assert.equal(run(snippet), `error|[string "${snippet}"]:1: the base library cannot be modified (${what})`);
}

describe('the sandbox closes', () => {
  it('io, debug, jit and ffi, as globals and through require', () => {
    assert.equal(run('return tostring(io) .. tostring(debug) .. tostring(jit) .. tostring(ffi)'), 'ok|nilnilnilnil');
    for (const lib of ['io', 'debug', 'jit', 'ffi']) assert.match(run(`return require("${lib}")`), new RegExp(`^error\\|.*module '${lib}' not found`));
  });

  it('os.execute, os.exit, os.remove, os.rename and os.tmpname, keeping the harmless os functions', () => {
    assert.equal(run('return tostring(os.execute) .. tostring(os.exit) .. tostring(os.remove) .. tostring(os.rename) .. tostring(os.tmpname)'), 'ok|nilnilnilnilnil');
    assert.equal(run('return type(os.time()) .. type(os.clock()) .. type(os.date("%Y"))'), 'ok|numbernumberstring');
  });

  it('package.loadlib and C modules', () => {
    assert.equal(run('return tostring(package.loadlib)'), 'ok|nil');
    assert.match(run('return require("socket.core")'), /^error\|.*module 'socket.core' not found/);
  });

  it('newproxy, whose __gc finalizers would run outside any protected call', () => {
    assert.equal(run('return tostring(newproxy)'), 'ok|nil');
  });

  it('loadfile and dofile outside the search path, ".." and all', () => {
    const outside = path.join(tmp, 'outside.lua');
    assert.equal(run(`local f, e = loadfile(${JSON.stringify(outside)}) return e`), `ok|cannot open ${outside}: outside the script search path (sandbox)`);
    const dotdot = path.join(inside, '..', 'outside.lua');
    assert.equal(run(`local f, e = loadfile(${JSON.stringify(dotdot)}) return e`), `ok|cannot open ${dotdot}: outside the script search path (sandbox)`);
    assert.equal(run(`return dofile("/etc/hostname")`), 'error|cannot open /etc/hostname: outside the script search path (sandbox)');
  });

  it('while loadfile, dofile and require still read inside the search path', () => {
    const seven = path.join(inside, 'seven.lua');
    assert.equal(run(`return loadfile(${JSON.stringify(seven)})() + dofile(${JSON.stringify(seven)}) + require("seven")`), 'ok|21');
  });

  it('bytecode: string.dump output, and behind a shebang line', () => {
    assert.equal(run('local f, e = loadstring(string.dump(function() end)) return e'), 'ok|bytecode refused: only Lua source text can be loaded');
    assert.equal(run('local f, e = loadstring("#!/x\\n" .. string.dump(function() end)) return e'), 'ok|bytecode refused: only Lua source text can be loaded');
  });
});

describe('the base library', () => {
  it('cannot be replaced: a library name is not a global a call may set', () => {
    assert.match(run('print = nil'), /^error\|.*the base library cannot be modified \(global 'print'\)$/);
    assert.match(run('string = {}'), /^error\|.*the base library cannot be modified \(global 'string'\)$/);
    assert.equal(run('return type(print) .. type(string)'), 'ok|functiontable');
  });

  it('cannot be changed field by field, through any path', () => {
    refused('string.upper = nil', "field 'upper'");
    refused('table.insert = print', "field 'insert'");
    refused('msys.core.VALIDATE_CONT = 5', "field 'VALIDATE_CONT'");
    refused('require("msys.core").VALIDATE_DONE = 9', "field 'VALIDATE_DONE'");
    refused('package.loaded.string.rep = nil', "field 'rep'");
    assert.match(run('rawset(string, "upper", nil)'), /^error\|.*the base library cannot be modified \(field 'upper'\)$/);
    assert.match(run('rawset(_G, "print", nil)'), /^error\|.*the base library cannot be modified \(field 'print'\)$/);
    assert.match(run('setmetatable(string, nil)'), /^error\|.*cannot change a protected metatable$/);
    assert.match(run('getmetatable("").__index.upper = nil'), /^error\|.*attempt to index a boolean value/);
    assert.equal(run('return ("abc"):upper() .. string.upper("d") .. msys.core.VALIDATE_CONT'), 'ok|ABCD0');
  });

  it('keeps the environment of the library C functions (the old globals on Lua 5.1) empty, and what is set there from the next message', () => {
    const snippet = `local seen = tostring(getfenv(print).leak)
      pcall(function() getfenv(print).leak = 1 end) pcall(rawset, getfenv(print), "leak", 1)
      return seen .. tostring(rawget(getfenv(print), "string")) .. tostring(getfenv(print).string == string)`;
    assert.equal(run(snippet), 'ok|nilniltrue');
    assert.equal(run('return _G == getfenv(1) and _G == require("_G") and _G._G == _G'), 'ok|true');
  });
});

describe('globals', () => {
  it('set while handling one message are not visible to the next', () => {
    const q = dataPolicy(`vctx:set(${MESS}, "seen", tostring(leak)) leak = "from an earlier message" rawset(_G, "raw", 1)`);
    twice(() => assert.deepEqual(q.run('data', { message: MESSAGE }).context.mess, { seen: 'nil' }));
    q.close();
  });

  it('that a script set while loading are read by every call, which may shadow them for itself only', () => {
    const source = `CONFIG = { limit = 5 } LEVEL = 1
local m = {}
function m:validate_data(msg, accept, vctx)
  vctx:set(${MESS}, "seen", CONFIG.limit .. "/" .. LEVEL) LEVEL = 2 CONFIG = nil
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", m)`;
    const s = policyFrom(source);
    twice(() => assert.deepEqual(s.run('data', { message: MESSAGE }).context.mess, { seen: '5/1' }));
    s.close();
  });
});

describe('sandbox: false', () => {
  it('gives trusted scripts io, os.execute, debug and their globals across messages', () => {
    const q = dataPolicy(`vctx:set(${MESS}, "r", type(io.open) .. type(os.execute) .. type(debug.getinfo) .. tostring(kept)) kept = "kept"`, { sandbox: false });
    assert.deepEqual(q.run('data', { message: MESSAGE }).context.mess, { r: 'functionfunctionfunctionnil' });
    assert.deepEqual(q.run('data', { message: MESSAGE }).context.mess, { r: 'functionfunctionfunctionkept' });
    q.close();
  });

  it('is checked in the options with an exact message', () => {
    assert.throws(() => dataPolicy('', { sandbox: 'no' as unknown as boolean }), { message: 'options.sandbox must be a boolean, got no' });
  });
});
