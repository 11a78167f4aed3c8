// The addon's writeDurably and syncDirectory, the spool's writes (native/napi/durable_write.cpp):
// each file written whole at its temporary path, then renamed into place in
// order, and a failure reported as node:fs reports one.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadAddon } from '../../src/native/addon.js';

const { writeDurably, syncDirectory } = loadAddon();

function scratch(t: TestContext): { tmp: string; final: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-durable-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const sub of ['tmp', 'new']) fs.mkdirSync(path.join(dir, sub));
  return { tmp: path.join(dir, 'tmp'), final: path.join(dir, 'new') };
}

describe('writeDurably', () => {
  it('writes each file whole, including views into a larger buffer, and moves them into place', async (t) => {
    const d = scratch(t);
    const big = Buffer.alloc(3 << 20, 'x');
    const slab = Buffer.from('....envelope....');
    const view = slab.subarray(4, 12); // "envelope", at an offset in its ArrayBuffer
    await writeDurably([
      [path.join(d.tmp, 'a.json'), path.join(d.final, 'a.json'), view],
      [path.join(d.tmp, 'a.eml'), path.join(d.final, 'a.eml'), big],
    ]);
    assert.equal(fs.readFileSync(path.join(d.final, 'a.json'), 'utf8'), 'envelope');
    assert.ok(fs.readFileSync(path.join(d.final, 'a.eml')).equals(big));
    assert.deepEqual(fs.readdirSync(d.tmp), []);
    assert.equal(fs.statSync(path.join(d.final, 'a.eml')).mode & 0o777, 0o640 & ~process.umask());
  });

  it('never overwrites: a temporary path that exists fails with EEXIST at open, as node:fs says it, and nothing is renamed', async (t) => {
    const d = scratch(t);
    fs.writeFileSync(path.join(d.tmp, 'b.eml'), 'earlier');
    await assert.rejects(
      writeDurably([
        [path.join(d.tmp, 'b.json'), path.join(d.final, 'b.json'), Buffer.from('{}')],
        [path.join(d.tmp, 'b.eml'), path.join(d.final, 'b.eml'), Buffer.from('new')],
      ]),
      (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'EEXIST');
        assert.equal(err.syscall, 'open');
        assert.equal(err.path, path.join(d.tmp, 'b.eml'));
        assert.equal(err.message, `EEXIST: file already exists, open '${path.join(d.tmp, 'b.eml')}'`);
        return true;
      },
    );
    // The first file was written before the failure and stays for the caller to remove; none moved.
    assert.deepEqual(fs.readdirSync(d.tmp).sort(), ['b.eml', 'b.json']);
    assert.equal(fs.readFileSync(path.join(d.tmp, 'b.eml'), 'utf8'), 'earlier');
    assert.deepEqual(fs.readdirSync(d.final), []);
  });

  it('reports a rename that fails with its code and path', async (t) => {
    const d = scratch(t);
    const missing = path.join(d.final, 'gone', 'c.eml');
    await assert.rejects(writeDurably([[path.join(d.tmp, 'c.eml'), missing, Buffer.from('x')]]), { code: 'ENOENT', syscall: 'rename', path: path.join(d.tmp, 'c.eml') });
  });

  it('refuses arguments of the wrong shape with a TypeError that shows the expected one', () => {
    for (const bad of [undefined, 'x', [['a', 'b']], [['a', 'b', 'not bytes']], [[1, 'b', Buffer.alloc(1)]]]) {
      assert.throws(() => writeDurably(bad as never), { name: 'TypeError', message: /^writeDurably\(files: \[tmpPath: string, finalPath: string, data: Uint8Array\]\[\]\)$/ });
    }
  });

  it('flushes a directory, and says which one it could not open', async (t) => {
    const d = scratch(t);
    await syncDirectory(d.final);
    await assert.rejects(syncDirectory(path.join(d.final, 'missing')), { code: 'ENOENT', syscall: 'open', path: path.join(d.final, 'missing') });
    assert.throws(() => syncDirectory('' as string), { name: 'TypeError', message: 'syncDirectory(dir: string)' });
  });
});
