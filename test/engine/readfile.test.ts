// msys.readfile(name): a whole file found along the script search path and
// the data directories (and, with the sandbox, only inside them), byte for byte. Under runAsync the call
// suspends while Node reads; a synchronous run reads at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataPolicy, eml, twice } from '../helpers/lua-policy.js';
import { engineFrom, module } from '../pool/helpers.js';

let dir: string;
let outside: string;
const BYTES = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a, 0x80, 0x41]);

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readfile-'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'list.txt'), 'one\ntwo\n');
  fs.writeFileSync(path.join(dir, 'data', 'bytes.bin'), BYTES);
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'readfile-outside-'));
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'data', 'link.txt'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

// Reads vctx mess "name" and reports "hex" of the text, or the error.
const READ = `local text, err = msys.readfile(vctx:get(msys.core.VCTX_MESS, "name"))
  vctx:set(msys.core.VCTX_MESS, "hex", text and (text:gsub(".", function(c) return string.format("%02x", c:byte()) end)) or "")
  vctx:set(msys.core.VCTX_MESS, "err", tostring(err))`;

async function read(name: string, opts: { sync?: boolean; sandbox?: boolean; dataDirs?: string[] } = {}): Promise<{ text: Buffer; err: string }> {
  const p = dataPolicy(READ, { searchPath: [dir], sandbox: opts.sandbox ?? true, ...(opts.dataDirs ? { dataDirs: opts.dataDirs } : {}) });
  try {
    const input = { message: eml(['Subject: x']), context: { mess: { name } } };
    const v = opts.sync ? p.run('data', input) : await p.runAsync('data', input);
    assert.deepEqual(v.errors, []);
    return { text: Buffer.from(v.context.mess.hex ?? '', 'hex'), err: v.context.mess.err ?? '' };
  } finally {
    p.close();
  }
}

describe('msys.readfile', () => {
  it('reads a file named relative to the search path, suspending under runAsync', async () => {
    const r = await read('data/list.txt');
    assert.deepEqual([r.text.toString(), r.err], ['one\ntwo\n', 'nil']);
  });

  it('reads at once in a synchronous run, the same bytes', async () => {
    for (const sync of [false, true]) {
      const r = await read('data/bytes.bin', { sync });
      assert.deepEqual(r.text, BYTES, `sync: ${sync}`);
    }
  });

  it('takes an absolute path, or a file:// one, inside the search path', async () => {
    assert.equal((await read(path.join(dir, 'data', 'list.txt'))).text.toString(), 'one\ntwo\n');
    assert.equal((await read(`file://${path.join(dir, 'data', 'list.txt')}`, { sync: true })).text.toString(), 'one\ntwo\n');
  });

  it('returns nil and why for a missing file, a URI, or a directory', async () => {
    assert.equal((await read('data/none.txt')).err, 'cannot open data/none.txt: no such file');
    assert.equal((await read('http://example.com/x')).err, 'cannot open http://example.com/x: only files can be read (no URI scheme but file://)');
    assert.match((await read('data')).err, /^cannot read .*\/data: EISDIR$/);
    assert.match((await read('data', { sync: true })).err, /^cannot read .*\/data: Is a directory$/);
  });

  it('refuses, with the sandbox, a file outside the search path, also through a link or ..', async () => {
    for (const name of [path.join(outside, 'secret.txt'), 'data/link.txt', `../${path.basename(outside)}/secret.txt`]) {
      const r = await read(name);
      assert.deepEqual([r.text.length, r.err], [0, `cannot open ${name}: outside the script search path and data_dirs (sandbox)`]);
    }
  });

  it('reads from a data directory (data_dirs), by absolute path or by a name looked up after the search path', async () => {
    for (const sync of [false, true]) {
      assert.equal((await read(path.join(outside, 'secret.txt'), { dataDirs: [outside], sync })).text.toString(), 'secret');
      assert.equal((await read('secret.txt', { dataDirs: [outside], sync })).text.toString(), 'secret');
    }
    assert.equal((await read('data/link.txt', { dataDirs: [outside] })).text.toString(), 'secret', 'a link into a data directory');
    assert.equal((await read('secret.txt')).err, 'cannot open secret.txt: no such file');
  });

  it('reads anywhere with sandbox = false', async () => {
    assert.equal((await read(path.join(outside, 'secret.txt'), { sandbox: false })).text.toString(), 'secret');
  });

  it('reads through the worker pool too, the bytes intact', async () => {
    const { engine } = engineFrom(module({ data: READ }), { threads: 1, searchPath: [dir] });
    try {
      const v = await engine.run('data', { message: eml(['Subject: x']), context: { mess: { name: 'data/bytes.bin' } } });
      assert.deepEqual([Buffer.from(v.context.mess.hex ?? '', 'hex'), v.context.mess.err], [BYTES, 'nil']);
    } finally {
      await engine.close();
    }
  });

  it('raises for a name that is not a string', () => {
    const p = dataPolicy('msys.readfile({})');
    try {
      twice(() => {
        const v = p.run('data', { message: eml(['Subject: x']) });
        assert.match(v.errors[0]?.message ?? '', /bad argument #1 .*string expected, got table/);
      });
    } finally {
      p.close();
    }
  });
});
