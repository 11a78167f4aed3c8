// msys.cidr.define with type "datasource": the table is the rows of a query
// on a configured datasource (cidr_column, value_column), loaded by Node
// right after init and again on msys.cidr.reload; until then, and when a
// load fails, queries answer from what was loaded before (default_value at
// first).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { openPolicy, type Policy } from '../../src/index.js';
import { closeAllDatasources, loadWantedCidrs } from '../../src/datasource/index.js';
import { eml, initAndResultPolicy } from '../helpers/lua-policy.js';

const require = createRequire(import.meta.url);
const { Database } = require('node-sqlite3-wasm') as { Database: new (p: string) => { exec(s: string): void; close(): void } };

let dir: string;
let file: string;
function sql(text: string): void {
  const db = new Database(file);
  db.exec(text);
  db.close();
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cidr-ds-'));
  file = path.join(dir, 'lists.db');
  sql(`create table blocks (net text, why text);
    insert into blocks values ('192.0.2.0/24', 'doc net'), ('198.51.100.7', 'one host $'), ('2001:db8::/32', 'doc v6'), ('!192.0.2.9', null)`);
});
after(async () => {
  await closeAllDatasources();
  fs.rmSync(dir, { recursive: true, force: true });
});

function policy(defines: string, body: string): Policy {
  return initAndResultPolicy(defines, body, { datasources: [{ name: 'lists', uris: [`sqlite:${file}`] }] });
}

function run(p: Policy): { r: string; logs: string[] } {
  const v = p.run('data', { message: eml(['Subject: x']), remoteAddr: '192.0.2.1' });
  assert.deepEqual(v.errors, []);
  return { r: v.context.mess.r!, logs: (v.logs ?? []).map((l) => l.text) };
}

describe('msys.cidr datasource tables', () => {
  it('answers the value column of the most specific row, or default_value; exclusions work', async () => {
    const p = policy(`msys.cidr.define("bl", { type = "datasource", cachename = "lists", query = "select net, why from blocks", value_column = "why", default_value = "", interpolate = true })`,
      `return table.concat({ msys.cidr.query("bl", "192.0.2.77"), msys.cidr.query("bl", "198.51.100.7"), msys.cidr.query("bl", "2001:db8::5"),
        msys.cidr.query("bl", "192.0.2.9"), msys.cidr.query("bl", "203.0.113.1"), msys.cidr.query("bl") }, "|")`);
    try {
      await loadWantedCidrs();
      assert.equal(run(p).r, 'doc net|one host 198.51.100.7|doc v6|||doc net');
    } finally {
      p.close();
    }
  });

  it('without value_column a hit is true; cidr_column may be an ordinal', async () => {
    const p = policy(`msys.cidr.define("bl2", { type = "datasource", cachename = "lists", query = "select why, net from blocks", cidr_column = 2, default_value = false })`,
      `return tostring(msys.cidr.query("bl2", "192.0.2.1")) .. "," .. tostring(msys.cidr.query("bl2", "10.0.0.1"))`);
    try {
      await loadWantedCidrs();
      assert.equal(run(p).r, 'true,false');
    } finally {
      p.close();
    }
  });

  it('reads the rows again on msys.cidr.reload; a failed load keeps the table and is logged', async () => {
    const p = policy(`msys.cidr.define("bl3", { type = "datasource", cachename = "lists", query = "select net, why from blocks where why is not null or net like '!%'", value_column = "why", default_value = "-" })`,
      `local ask = vctx:get(msys.core.VCTX_MESS, "reload") if ask ~= "" then msys.cidr.reload("bl3") end return msys.cidr.query("bl3", "203.0.113.5")`);
    try {
      await loadWantedCidrs();
      assert.equal(run(p).r, '-');
      sql(`insert into blocks values ('203.0.113.0/24', 'added')`);
      p.run('data', { message: eml(['Subject: x']), context: { mess: { reload: '1' } } });
      await loadWantedCidrs();
      assert.equal(run(p).r, 'added');
      sql(`insert into blocks values ('not-an-address', 'bad')`);
      p.run('data', { message: eml(['Subject: x']), context: { mess: { reload: '1' } } });
      await loadWantedCidrs();
      const after = run(p);
      assert.equal(after.r, 'added');
      assert.ok(after.logs.some((l) => /msys\.cidr: reload failed, the table read before stays: datasource 'lists':\d+: /.test(l)), after.logs.join('\n'));
      sql(`delete from blocks where net = 'not-an-address'`);
    } finally {
      p.close();
    }
  });

  it('a datasource that is not configured leaves the table empty and says why', async () => {
    const p = policy(`msys.cidr.define("bl4", { type = "datasource", cachename = "nowhere", query = "select 1", default_value = "none" })`, `return msys.cidr.query("bl4", "192.0.2.1")`);
    try {
      await loadWantedCidrs();
      const r = run(p);
      assert.equal(r.r, 'none');
      assert.ok(r.logs.some((l) => l.includes("datasource 'nowhere': no such datasource is configured")), r.logs.join('\n'));
    } finally {
      p.close();
    }
  });
});
