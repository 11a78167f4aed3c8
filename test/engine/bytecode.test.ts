// Neither engine verifies bytecode, so it is refused on every loading path.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadError, openPolicy } from '../../src/index.js';
import { dataPolicy, eml, policyFrom, twice } from '../helpers/lua-policy.js';

const REFUSED = 'bytecode refused: only Lua source text can be loaded';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-bc-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// A bytecode file made by the engine itself, to feed to loadfile/dofile/require.
function bytecodeFile(name: string): string {
  const file = path.join(tmp, name);
  const p = dataPolicy(`
    local f = io.open(${JSON.stringify(file)}, "wb")
    f:write(string.dump(function() return 1 end))
    f:close()`, { sandbox: false }); // io is outside the sandbox
  p.run('data', { message: eml(['Subject: x']) });
  p.close();
  return file;
}

// Runs body in validate_data (twice, on one state) and returns what it left
// in e; r must be nil (nothing loaded). The temp directory is on the path.
function check(body: string): string | undefined {
  const source = `local m = {}
function m:validate_data(msg, accept, vctx)
${body}
vctx:set(msys.core.VCTX_MESS, "r", tostring(r)); vctx:set(msys.core.VCTX_MESS, "e", tostring(e))
return msys.core.VALIDATE_CONT
end
msys.registerModule("t", m)`;
  const p = policyFrom(source, { searchPath: [tmp] });
  let out: string | undefined;
  twice(() => {
    const v = p.run('data', { message: eml(['Subject: x']) });
    assert.deepEqual(v.errors, []);
    assert.equal(v.context.mess.r, 'nil');
    out = v.context.mess.e;
  });
  p.close();
  return out;
}

describe('bytecode is refused', () => {
  it('by load() of string.dump output', () => {
    assert.equal(check('local r, e = load(string.dump(function() return 1 end))'), REFUSED);
  });

  it('by loadstring() of a chunk starting with ESC', () => {
    assert.equal(check('local r, e = loadstring("\\27Lua")'), REFUSED);
  });

  it('by load() with a reader function', () => {
    assert.equal(check('local s = string.dump(function() end); local done = false\nlocal r, e = load(function() if done then return nil end; done = true; return s end)'), REFUSED);
  });

  it('by load() after a "#" first line', () => {
    assert.equal(check('local r, e = load("#!/bin/lua\\n" .. string.dump(function() end))'), REFUSED);
  });

  it('by loadfile() and dofile()', () => {
    const file = bytecodeFile('f.luac');
    assert.equal(check(`local r, e = loadfile(${JSON.stringify(file)})`), REFUSED);
    assert.equal(check(`local ok, e = pcall(dofile, ${JSON.stringify(file)}); local r = nil`), REFUSED);
  });

  it('by require()', () => {
    const file = bytecodeFile('bcmod.lua');
    const e = check(`local ok, e = pcall(require, "bcmod"); local r = nil`);
    assert.ok(e?.includes(REFUSED) && e.includes(file), e);
  });

  it('as a script', () => {
    assert.throws(() => openPolicy({ scripts: [{ name: 'bc', source: '\x1bLuaQ' }] }), (err: unknown) => err instanceof LoadError && /bytecode refused/.test(err.message));
  });

  it('while source text still loads through every path', () => {
    const file = path.join(tmp, 'src.lua');
    fs.writeFileSync(file, '#!/usr/bin/lua\nreturn 7\n');
    assert.equal(check(`local r = nil; local e = load("return 1")() + loadstring("return 2")() + loadfile(${JSON.stringify(file)})() + dofile(${JSON.stringify(file)})`), '17');
  });
});
