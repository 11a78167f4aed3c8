// Loading a policy: scripts compile from source with file:line chunk names,
// each registers the module its stanza names, init() runs once, and every
// failure is a LoadError naming the script.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadError, openPolicy, type Policy } from '../../src/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-load-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const CONT = 'return msys.core.VALIDATE_CONT';

function loadError(fn: () => Policy): LoadError {
  let caught: unknown;
  try {
    fn().close();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof LoadError, `expected a LoadError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_SCRIPTLET_LOAD');
  return caught;
}

describe('loading scripts', () => {
  it('loads a script from a file and runs its callout', () => {
    const file = write('ok.lua', `local m = {}\nfunction m:validate_connect(accept, vctx) vctx:set_code(250, "hi") ${CONT} end\nmsys.registerModule("ok", m)\n`);
    const p = openPolicy({ scripts: [{ name: 'ok', path: file }] });
    assert.equal(p.run('connect').disposition?.text, 'hi');
    assert.match(p.version, /^[0-9a-f]{16}$/);
    p.close();
  });

  it('reports a syntax error with the file and line', () => {
    const file = write('syntax.lua', 'local m = {}\n\nfunction m:init( end\n');
    const err = loadError(() => openPolicy({ scripts: [{ name: 'syntax', path: file }] }));
    assert.equal(err.script, 'syntax');
    assert.equal(err.location, `${file}:3`);
    assert.match(err.message, /^cannot load script 'syntax': .*syntax\.lua:3: .*near 'end'/);
  });

  it('reports an error raised while the script runs, with a traceback', () => {
    const file = write('boom.lua', 'local m = {}\nlocal function f() error("boom") end\nf()\n');
    const err = loadError(() => openPolicy({ scripts: [{ name: 'boom', path: file }] }));
    assert.equal(err.location, `${file}:2`);
    assert.match(err.message, /boom/);
    assert.match(err.traceback, /stack traceback:/);
  });

  it('refuses a script that does not call msys.registerModule', () => {
    const err = loadError(() => openPolicy({ scripts: [{ name: 'quiet', source: 'local x = 1' }] }));
    assert.equal(err.message, `cannot load script 'quiet': script 'quiet' (=quiet) did not call msys.registerModule("quiet", module)`);
  });

  it('refuses a script that registers another name', () => {
    const src = `local m = {}\nfunction m:init() end\nmsys.registerModule("other", m)`;
    const err = loadError(() => openPolicy({ scripts: [{ name: 'mine', source: src }] }));
    assert.match(err.message, /script 'mine' \(=mine\) registered module 'other'; expected msys\.registerModule\("mine", module\)/);
  });

  it('refuses a module with no known callout', () => {
    const err = loadError(() => openPolicy({ scripts: [{ name: 'empty', source: 'msys.registerModule("empty", { helper = function() end })' }] }));
    assert.match(err.message, /module 'empty' \(=empty\) defines no known callout \(init, validate_connect/);
  });

  it('refuses registering the same module twice', () => {
    const src = 'local m = { init = function() end }\nmsys.registerModule("twice", m)\nmsys.registerModule("twice", m)';
    const err = loadError(() => openPolicy({ scripts: [{ name: 'twice', source: src }] }));
    assert.match(err.message, /module 'twice' is already registered/);
  });

  it('refuses msys.registerModule outside loading', () => {
    const src = `local m = {}\nfunction m:validate_connect(a, vctx) msys.registerModule("late", {}) ${CONT} end\nmsys.registerModule("t", m)`;
    const p = openPolicy({ scripts: [{ name: 't', source: src }] });
    assert.match(p.run('connect').errors[0]?.message ?? '', /only allowed while a script loads/);
    p.close();
  });

  it('runs init() once per module, in order, after all scripts loaded', () => {
    const a = `_G.order = (_G.order or "") .. "a"\nmsys.registerModule("a", { init = function(self) _G.order = _G.order .. "A" end })`;
    const b = `_G.order = _G.order .. "b"\nmsys.registerModule("b", { init = function(self) _G.order = _G.order .. "B" end, validate_connect = function(self, accept, vctx) vctx:set_code(250, _G.order) ${CONT} end })`;
    const p = openPolicy({ scripts: [{ name: 'a', source: a }, { name: 'b', source: b }] });
    assert.equal(p.run('connect').disposition?.text, 'abAB');
    p.close();
  });

  it('turns a failing init() into a LoadError naming the module', () => {
    const src = 'msys.registerModule("bad", { init = function(self) error("no database") end })';
    const err = loadError(() => openPolicy({ scripts: [{ name: 'bad', source: src, path: '/x/bad.lua' }] }));
    assert.match(err.message, /init\(\) of module 'bad' failed: .*no database/);
  });

  it('keeps what scripts print while loading, tagged with the script', () => {
    const p = openPolicy({ scripts: [{ name: 'talk', source: 'print("hello", 42)\nmsys.registerModule("talk", { init = function() print("init") end })' }] });
    assert.deepEqual(p.loadLogs, [
      { module: 'talk', text: 'hello\t42' },
      { module: 'talk', text: 'init' },
    ]);
    p.close();
  });

  it('gives require("msys.core") and require("msys.extended.message")', () => {
    const src = `local core = require("msys.core")\nlocal ext = require("msys.extended.message")\nassert(core == msys.core and type(ext) == "table")\nassert(core.VCTX_MESS == core.ECMESS_CTX_MESS and core.VCTX_CONN == core.ECMESS_CTX_CONN)\nmsys.registerModule("r", { init = function() end })`;
    openPolicy({ scripts: [{ name: 'r', source: src }] }).close();
  });

  it('requires a helper module from the script directory and the search path', () => {
    write('lib/helper.lua', 'return { answer = 42 }');
    write('extra/deep/init.lua', 'return { deep = true }');
    const file = write('lib/uses.lua', `local h = require("helper")\nlocal d = require("deep")\nlocal m = {}\nfunction m:validate_connect(a, vctx) vctx:set_code(250, tostring(h.answer) .. tostring(d.deep)) ${CONT} end\nmsys.registerModule("uses", m)`);
    const p = openPolicy({ scripts: [{ name: 'uses', path: file }], searchPath: [path.join(tmp, 'extra')] });
    assert.equal(p.run('connect').disposition?.text, '42true');
    p.close();
  });

  it('says where it looked when require finds nothing', () => {
    const err = loadError(() => openPolicy({ scripts: [{ name: 'miss', source: 'require("no.such.module")' }] }));
    assert.match(err.message, /module 'no\.such\.module' not found/);
    assert.match(err.message, /no file '.*no\/such\/module\.lua'/);
  });

  it('finds the shipped msys.boot helper', () => {
    const p = openPolicy({ scripts: [{ name: 'boot', path: path.resolve('scriptlets/msys/boot.lua') }] });
    p.close();
  });

  it('reports a missing script file as a LoadError', () => {
    const err = loadError(() => openPolicy({ scripts: [{ name: 'gone', path: path.join(tmp, 'nope.lua') }] }));
    assert.match(err.message, /cannot read .*nope\.lua/);
  });
});
