// The complete policies in docs/porting-from-momentum.md (the Lua blocks
// that call msys.registerModule) load as the page shows them and do what
// the page says, on the engine under test.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openPolicy, runTransaction, type Policy } from '../../src/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PAGE = fs.readFileSync(path.join(REPO, 'docs', 'porting-from-momentum.md'), 'utf8');

/** Module name -> source, for every ```lua block that registers a module (indented blocks of list items included). */
function policies(): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of PAGE.matchAll(/^( *)```lua\n([\s\S]*?)^\1```/gm)) {
    const indent = m[1] ?? '';
    const source = (m[2] ?? '').split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
    const name = /msys\.registerModule\("([^"]+)"/.exec(source)?.[1];
    if (name) found.set(name, source);
  }
  return found;
}

const ALL = policies();

function open(name: string): Policy {
  const source = ALL.get(name);
  assert.ok(source, `no policy "${name}" in the page`);
  return openPolicy({ scripts: [{ name, source }], bindings: ['partner'] });
}

function transaction(p: Policy, headers: string[], rcptto = ['bob@example.net']) {
  const message = Buffer.from([...headers, 'Subject: hi', '', 'body', ''].join('\r\n'));
  return runTransaction(p, { message, mailfrom: 'alice@example.org', rcptto, helo: 'client.test', remoteAddr: '192.0.2.1', id: 'm1' });
}

describe('the policies in docs/porting-from-momentum.md', () => {
  it('are found: the json, discard and per-recipient binding examples', () => {
    assert.deepEqual([...ALL.keys()].sort(), ['bind_by_domain', 'campaign', 'loop_guard']);
  });

  it('campaign: assigns a table into a decoded JSON object and writes its JSON text back', () => {
    const p = open('campaign');
    const r = transaction(p, ['X-Campaign: {"id": 7, "name": "spring"}']);
    p.close();
    assert.deepEqual(r.errors, []);
    assert.match(r.message.toString(), /^X-Campaign: \{"id":7,"name":"spring","tags":\["ported","checked"\]\}\r\n/);
  });

  it('loop_guard: discards a looping message and stops, marks the others', () => {
    const p = open('loop_guard');
    const looping = transaction(p, ['X-Loop: mx.example.org']);
    assert.equal(looping.disposition.discard, true);
    assert.equal(looping.disposition.code, 250);
    const fresh = transaction(p, []);
    p.close();
    assert.equal(fresh.disposition.discard, undefined);
    assert.match(fresh.message.toString(), /\r\nX-Loop: mx\.example\.org\r\n/);
  });

  it('bind_by_domain: gives each recipient its own binding', () => {
    const p = open('bind_by_domain');
    const r = transaction(p, [], ['bob@partner.example', 'carol@other.example', 'dan@Partner.Example']);
    p.close();
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.bindings, { 'bob@partner.example': 'partner', 'carol@other.example': 'default', 'dan@Partner.Example': 'partner' });
  });
});
