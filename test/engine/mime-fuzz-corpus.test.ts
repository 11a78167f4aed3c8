// The regression corpus of the MIME fuzzer (scripts/fuzz-mime.sh): every
// input it kept, read through the addon as a policy reads MIME (the tree by
// .thread, each part's content type and text, msg:text()) and then edited
// (a part added to a writable tree). Each gives a clean verdict, and the
// policy then reads a normal message right.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataPolicy, eml } from '../helpers/lua-policy.js';

const corpus = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fuzz-corpus', 'mime-parser');
const files = fs.readdirSync(corpus).sort();

const p = dataPolicy(`
  local T = msys.core.VCTX_MESS
  local n, texts = 0, 0
  local part = msg:mime()
  while part ~= nil do
    n = n + 1
    local ct = part:content_type()
    assert(type(ct.mimetype) == "string" and type(ct.encoding) == "string")
    if part:text() then texts = texts + 1 end
    part = part.thread
  end
  local t = msg:text()
  vctx:set(T, "parts", n)
  vctx:set(T, "texts", texts)
  vctx:set(T, "text", type(t))
  local root = msg:mime(false)
  local added = msg:makePart("text/plain", "added")
  vctx:set(T, "added", tostring(root:addLastChild(added)))
  local again = 0
  part = msg:mime()
  while part ~= nil do again = again + 1; part = part.thread end
  vctx:set(T, "after", again)`);
after(() => p.close());

const NORMAL = eml(['From: a@example.com', 'Content-Type: multipart/mixed; boundary=b'], '--b\r\n\r\nhello\r\n--b--\r\n');

describe('the MIME fuzzer regression corpus', () => {
  it(`has inputs (${files.length})`, () => assert.ok(files.length >= 8));

  it('reads and edits every input with a clean verdict', () => {
    for (const name of files) {
      const message = fs.readFileSync(path.join(corpus, name));
      const v = p.run('data', { message });
      assert.deepEqual(v.errors, [], name);
      const m = v.context.mess;
      assert.ok(Number(m.parts) >= 1 && Number(m.parts) <= 1001, name);
      // A part added to a container shows in the re-read tree.
      if (m.added === 'true') assert.ok(Number(m.after) >= Number(m.parts) + 1 || Number(m.parts) >= 1000, name);
    }
    const v = p.run('data', { message: NORMAL });
    assert.deepEqual(v.context.mess, { parts: '2', texts: '1', text: 'string', added: 'true', after: '3' });
  });
});
