// The two drivers behind datasources. SQLite is node-sqlite3-wasm: SQLite
// compiled to WebAssembly, so there is no native build and the same package
// works on every Node version the engine supports (20, 22, 24); it reads and
// writes ordinary SQLite files through Node's fs. Its API is synchronous: a
// query runs on the worker's own JS thread while the Lua call that asked for
// it is suspended, which is right for the small lookup tables policies
// query (and the answers are cached). PostgreSQL is node-postgres (`pg`),
// asynchronous, with a small pool of connections per worker thread.

import { createRequire } from 'node:module';
import type { DatasourceTarget } from './uri.js';
import type { Cell } from './result-encoding.js';
import type { ParamValue } from './params.js';

const require = createRequire(import.meta.url);

export interface QueryAnswer {
  columns: string[];
  rows: Cell[][];
}

export interface Driver {
  readonly style: 'pg' | 'sqlite';
  /** Rows (at most maxRows; -1: all) of a statement with numbered placeholders. */
  query(sql: string, values: ParamValue[], maxRows: number): Promise<QueryAnswer>;
  close(): Promise<void>;
}

/** A failure to reach the database (the next URI is tried), not one of the statement. */
export class ConnectError extends Error {}

export function openDriver(target: DatasourceTarget): Driver {
  return target.driver === 'sqlite' ? new SqliteDriver(target.path) : new PgDriver(target);
}

interface SqliteStatement {
  iterate(values?: unknown): IterableIterator<Record<string, Cell>>;
  finalize(): void;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}

class SqliteDriver implements Driver {
  readonly style = 'sqlite';
  #db: SqliteDatabase | null = null;
  constructor(readonly path: string) {}

  async query(sql: string, values: ParamValue[], maxRows: number): Promise<QueryAnswer> {
    const db = this.#open();
    const stmt = db.prepare(sql);
    try {
      const rows: Cell[][] = [];
      let columns: string[] = [];
      for (const row of stmt.iterate(values.map((v) => (typeof v === 'boolean' ? Number(v) : v)))) {
        if (rows.length === 0) columns = Object.keys(row);
        if (maxRows >= 0 && rows.length >= maxRows) break;
        rows.push(columns.map((c) => row[c] ?? null));
      }
      return { columns, rows };
    } finally {
      stmt.finalize();
    }
  }

  #open(): SqliteDatabase {
    if (this.#db) return this.#db;
    const { Database } = require('node-sqlite3-wasm') as { Database: new (path: string, o: object) => SqliteDatabase };
    try {
      this.#db = new Database(this.path, { fileMustExist: true });
    } catch (err) {
      throw new ConnectError(`cannot open sqlite database ${this.path}: ${(err as Error).message}`);
    }
    return this.#db;
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = null;
  }
}

interface PgPool {
  query(q: { text: string; values: unknown[]; rowMode: 'array' }): Promise<{ fields: { name: string }[]; rows: Cell[][] }>;
  end(): Promise<void>;
  on(event: 'error', f: (err: Error) => void): void;
}

class PgDriver implements Driver {
  readonly style = 'pg';
  #pool: PgPool | null = null;
  constructor(readonly target: Extract<DatasourceTarget, { driver: 'pgsql' }>) {}

  async query(sql: string, values: ParamValue[], maxRows: number): Promise<QueryAnswer> {
    let result;
    try {
      result = await this.#open().query({ text: sql, values, rowMode: 'array' });
    } catch (err) {
      // A SQLSTATE is the server's answer about the statement; anything else
      // (ECONNREFUSED, a timeout, authentication) is about reaching it.
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('28')) throw err;
      throw new ConnectError(`cannot reach PostgreSQL at ${this.target.host ?? 'localhost'}:${this.target.port ?? 5432}: ${(err as Error).message}`);
    }
    const rows = maxRows >= 0 && result.rows.length > maxRows ? result.rows.slice(0, maxRows) : result.rows;
    return { columns: (result.fields ?? []).map((f) => f.name), rows };
  }

  #open(): PgPool {
    if (this.#pool) return this.#pool;
    const { Pool } = require('pg') as { Pool: new (o: object) => PgPool };
    const t = this.target;
    this.#pool = new Pool({
      host: t.host, port: t.port, database: t.database, user: t.user, password: t.password,
      connectionTimeoutMillis: (t.connectTimeout ?? 5) * 1000,
      max: 4, idleTimeoutMillis: 30_000, allowExitOnIdle: true,
    });
    this.#pool.on('error', () => undefined); // an idle connection that drops: the next query reconnects
    return this.#pool;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.end();
  }
}
