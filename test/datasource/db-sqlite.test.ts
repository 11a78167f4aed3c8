// msys.db against SQLite (node-sqlite3-wasm): query returns a row iterator,
// fetch_row the first row, execute true; `?`, `:name` and `$name` bind;
// raise_error and nocache as Momentum documents them; answers are cached
// per ds_core's cache_size / cache_life.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { closeAllDatasources, type DatasourceConfig } from '../../src/datasource/index.js';
import { runLua } from './helpers.js';

const require = createRequire(import.meta.url);
const { Database } = require('node-sqlite3-wasm') as { Database: new (p: string) => { exec(s: string): void; run(s: string, v?: unknown): void; close(): void } };

let dir: string;
let file: string;
let ds: DatasourceConfig[];

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-sqlite-'));
  file = path.join(dir, 'policy.db');
  const db = new Database(file);
  db.exec(`create table users (id integer primary key, email text, quota real, note text);
    insert into users values (1, 'alice@example.org', 1.5, 'first');
    insert into users values (2, 'bob@example.org', 2, null);
    insert into users values (3, 'carol@example.org', 3, 'it''s ?');
    create table log (what text)`);
  db.close();
  ds = [{ name: 'users', uris: [`sqlite:${file}`] }];
});
after(async () => {
  await closeAllDatasources();
  fs.rmSync(dir, { recursive: true, force: true });
});

const opts = () => ({ datasources: ds, sandbox: true });

describe('msys.db on SQLite', () => {
  it('query returns an iterator over rows keyed by column name, in order', async () => {
    const r = await runLua(`local out = {}
      for row in msys.db.query("users", "select id, email, quota from users order by id") do out[#out + 1] = row end
      return out`, opts());
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.out, [
      { id: 1, email: 'alice@example.org', quota: 1.5 },
      { id: 2, email: 'bob@example.org', quota: 2 },
      { id: 3, email: 'carol@example.org', quota: 3 },
    ]);
  });

  it('binds ? from the array part, :name and $name from names; absent values bind NULL', async () => {
    const r = await runLua(`return {
        a = msys.db.fetch_row("users", "select email from users where id = ?", {2}).email,
        b = msys.db.fetch_row("users", "select email from users where email = :e", {e = "carol@example.org"}).email,
        c = msys.db.fetch_row("users", "select email from users where id = $id and $id > 0", {id = 1}).email,
        d = msys.db.fetch_row("users", "select ? is null as is_null, 'it''s ?' as lit", {}).is_null,
        e = msys.db.fetch_row("users", "select note from users where note = 'it''s ?' and id = ?", {3}).note,
      }`, opts());
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.out, { a: 'bob@example.org', b: 'carol@example.org', c: 'alice@example.org', d: 1, e: "it's ?" });
  });

  it('fetch_row returns the first row, or nil when there is none; SQL NULL leaves the key out', async () => {
    const r = await runLua(`local row = msys.db.fetch_row("users", "select id, note from users where id = 2")
      local none = msys.db.fetch_row("users", "select id from users where id = 99")
      return { row = row, none = none == nil, hasNote = row.note ~= nil }`, opts());
    assert.deepEqual(r.out, { row: { id: 2 }, none: true, hasNote: false });
  });

  it('execute runs a statement and returns true', async () => {
    const r = await runLua(`local ok = msys.db.execute("users", "insert into log values (?)", {"seen"})
      local n = msys.db.fetch_row("users", "select count(*) as n from log", nil, {nocache = true}).n
      return { ok = ok, n = n }`, opts());
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.out, { ok: true, n: 1 });
  });

  it('raises on a bad statement by default, naming the function, at the script line', async () => {
    const r = await runLua(`local rows = msys.db.query("users", "select nope from users") return rows`, opts());
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /^=?t:\d+: msys\.db\.query: .*no such column: nope/);
  });

  it('with raise_error = false returns nil, errmsg (query, fetch_row) and false, errmsg (execute)', async () => {
    const r = await runLua(`local q, qe = msys.db.query("users", "select nope from users", nil, {raise_error = false})
      local f, fe = msys.db.fetch_row("users", "select nope", nil, {raise_error = false})
      local x, xe = msys.db.execute("users", "insert into nowhere values (1)", nil, {raise_error = false})
      return { q = q == nil, qe = qe, f = f == nil, fe = fe, x = x, xe = xe }`, opts());
    assert.deepEqual(r.errors, []);
    const out = r.out as Record<string, unknown>;
    assert.deepEqual([out.q, out.f, out.x], [true, true, false]);
    assert.match(String(out.qe), /no such column: nope/);
    assert.match(String(out.xe), /no such table: nowhere/);
  });

  it('a datasource that is not configured is an error of the query, under raise_error', async () => {
    const r = await runLua(`local q, e = msys.db.query("nosuch", "select 1", nil, {raise_error = false}) return e`, opts());
    assert.equal(r.out, "no datasource named 'nosuch' is configured (configured: users)");
  });

  it('rejects bad arguments with the function and argument named', async () => {
    const cases: [string, RegExp][] = [
      ['msys.db.query(nil, "select 1")', /msys\.db\.query: cachename must be a string, got nil/],
      ['msys.db.query("users", 5)', /msys\.db\.query: query must be a string, got number/],
      ['msys.db.fetch_row("users", "select 1", "x")', /msys\.db\.fetch_row: queryparams must be a table, got string/],
      ['msys.db.execute("users", "select 1", {}, 1)', /msys\.db\.execute: options must be a table, got number/],
      ['msys.db.query("users", "select ?", {{}})', /msys\.db\.query: a query parameter must be a string, number or boolean, got table/],
    ];
    for (const [call, re] of cases) {
      const r = await runLua(`local r = ${call} return r`, opts()); // not a tail call: Lua 5.1 drops a tail caller's line
      assert.equal(r.errors.length, 1, call);
      assert.match(r.errors[0]!, re, call);
      assert.match(r.errors[0]!, /^=?t:\d+: /, call);
    }
  });

  it('cannot run in a synchronous run, and says to use runAsync', async () => {
    const r = await runLua(`return msys.db.query("users", "select 1")`, opts(), true);
    assert.match(r.errors[0]!, /msys\.db\.query suspends the call, which this caller cannot wait for/);
  });

  it('caches answers by statement and parameters until cache_life; nocache and execute go to the database', async () => {
    const cached: DatasourceConfig[] = [{ name: 'users', uris: [`sqlite:${file}`], cacheLife: 3600 }];
    const body = (id: number, extra = '') => `return msys.db.fetch_row("users", "select email from users where id = ?", {${id}}${extra}).email`;
    const first = await runLua(body(1), { datasources: cached });
    await runLua(`msys.db.execute("users", "update users set email = 'changed' where id = 1") return 1`, { datasources: cached });
    const again = await runLua(body(1), { datasources: cached });
    const fresh = await runLua(body(1, ', {nocache = true}'), { datasources: cached });
    const other = await runLua(body(2), { datasources: cached });
    assert.deepEqual([first.out, again.out, fresh.out, other.out], ['alice@example.org', 'alice@example.org', 'changed', 'bob@example.org']);
    await runLua(`msys.db.execute("users", "update users set email = 'alice@example.org' where id = 1") return 1`, { datasources: cached });
  });

  it('caches nothing with no_cache, and at most max_rows rows a query', async () => {
    const r = await runLua(`local n = 0
      for row in msys.db.query("users", "select id from users") do n = n + 1 end
      return n`, { datasources: [{ name: 'users', uris: [`sqlite:${file}`], maxRows: 2, noCache: true }] });
    assert.equal(r.out, 2);
  });

  it('tries the next uri when the first cannot be opened', async () => {
    const r = await runLua(`return msys.db.fetch_row("users", "select count(*) as n from users").n`, {
      datasources: [{ name: 'users', uris: [`sqlite:${path.join(dir, 'missing.db')}`, `sqlite:${file}`] }],
    });
    assert.deepEqual(r, { out: 3, errors: [] });
  });

  it('reads a database file written by the sqlite3 library itself', { skip: spawnSync('sqlite3', ['-version']).status === 0 ? false : 'the sqlite3 command is not installed' }, async () => {
    const native = path.join(dir, 'native.db');
    const made = spawnSync('sqlite3', [native, "create table t (k text, v integer); insert into t values ('x', 42);"]);
    assert.equal(made.status, 0, String(made.stderr));
    const r = await runLua(`return msys.db.fetch_row("n", "select v from t where k = :k", {k = "x"}).v`, { datasources: [{ name: 'n', uris: [`sqlite:${native}`] }] });
    assert.deepEqual(r, { out: 42, errors: [] });
  });

  it('loads with require("msys.db") and require("msys.datasource"), as Momentum scripts do', async () => {
    const r = await runLua(`local db = require("msys.db") require("msys.datasource")
      return db == msys.db and type(db.query) == "function"`, opts());
    assert.equal(r.out, true);
  });
});
