// msys.db against a real PostgreSQL started on loopback for this file:
// the same row iterator, parameters ($1 after rewriting), errors and cache
// as on SQLite, through node-postgres.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeAllDatasources, type DatasourceConfig } from '../../src/datasource/index.js';
import { PostgresServer, postgresMissing } from './postgres-server.js';
import { runLua } from './helpers.js';

const missing = postgresMissing();
if (missing && process.env.CI === 'true') throw new Error(`the PostgreSQL tests cannot run under CI: ${missing}`);

describe('msys.db on PostgreSQL', { skip: missing ?? false }, () => {
  let pg: PostgresServer;
  let ds: DatasourceConfig[];

  before(async () => {
    pg = await PostgresServer.start();
    const { default: pgLib } = await import('pg');
    const c = new pgLib.Client({ host: '127.0.0.1', port: pg.port, user: 'scriptlet', database: 'postgres' });
    await c.connect();
    await c.query(`create table senders (id serial primary key, domain text not null, score integer, listed boolean, added date);
      insert into senders (domain, score, listed, added) values ('example.org', 5, true, '2024-01-02'), ('example.net', 1, false, null)`);
    await c.end();
    ds = [{ name: 'pg', uris: [pg.uri()] }];
  });
  after(async () => {
    await closeAllDatasources();
    await pg?.stop();
  });

  it('query returns rows keyed by column name: integers and booleans as Lua values, dates as text', async () => {
    const r = await runLua(`local out = {}
      for row in msys.db.query("pg", "select domain, score, listed, added from senders order by id") do out[#out + 1] = row end
      return out`, { datasources: ds });
    assert.deepEqual(r.errors, []);
    const rows = r.out as Record<string, unknown>[];
    assert.deepEqual(rows.map((x) => [x.domain, x.score, x.listed]), [['example.org', 5, true], ['example.net', 1, false]]);
    assert.match(String(rows[0]!.added), /^2024-01-0[12]/);
    assert.equal(rows[1]!.added, undefined);
  });

  it('binds ?, :name and $name (with :: casts left alone)', async () => {
    const r = await runLua(`return {
        a = msys.db.fetch_row("pg", "select domain from senders where score = ?", {1}).domain,
        b = msys.db.fetch_row("pg", "select domain from senders where domain = :d and score::text = '5'", {d = "example.org"}).domain,
        c = msys.db.fetch_row("pg", "select count(*)::int as n from senders where score > $min or score > $min", {min = 0}).n,
      }`, { datasources: ds });
    assert.deepEqual(r, { out: { a: 'example.net', b: 'example.org', c: 2 }, errors: [] });
  });

  it('execute changes data; raise_error = false returns the server\'s message', async () => {
    const r = await runLua(`local ok = msys.db.execute("pg", "update senders set score = score + 1 where domain = ?", {"example.net"})
      local n = msys.db.fetch_row("pg", "select score from senders where domain = 'example.net'", nil, {nocache = true}).score
      local bad, err = msys.db.query("pg", "select * from nowhere", nil, {raise_error = false})
      return { ok = ok, n = n, bad = bad == nil, err = err }`, { datasources: ds });
    const out = r.out as Record<string, unknown>;
    assert.deepEqual([out.ok, out.n, out.bad], [true, 2, true]);
    assert.match(String(out.err), /relation "nowhere" does not exist/);
  });

  it('raises when the server cannot be reached, naming it', async () => {
    const r = await runLua(`return msys.db.query("down", "select 1")`, { datasources: [{ name: 'down', uris: ['pgsql:host=127.0.0.1 port=1 dbname=x user=y'] }] });
    assert.match(r.errors[0]!, /msys\.db\.query: cannot reach PostgreSQL at 127\.0\.0\.1:1/);
  });
});
