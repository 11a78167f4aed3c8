// Query parameters as msys.db takes them (MOMENTUM-API.md item 15): `?`
// takes the array part of the table (index 1 = the first `?`), `:name` and
// `$name` the value under the bare name; a value that is absent binds SQL
// NULL. Both drivers get the statement rewritten with numbered placeholders
// ($1 for PostgreSQL, ?1 for SQLite) and the values in that order, so the
// three spellings mean the same thing on both. Quoted strings, quoted
// identifiers, comments and PostgreSQL's `::` casts are left alone.

export type ParamValue = string | number | boolean | null;

/** The params as the addon sends them: [key, tagged value] pairs (native/lua_db.cpp). */
export function decodeParams(items: Buffer[]): Map<string, ParamValue> {
  const out = new Map<string, ParamValue>();
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = items[i]!.toString('utf8');
    const v = items[i + 1]!;
    const tag = String.fromCharCode(v[0] ?? 110);
    out.set(key, tag === 't' ? true : tag === 'f' ? false : tag === 'd' ? Number(v.subarray(1).toString('latin1')) : tag === 's' ? v.subarray(1).toString('utf8') : null);
  }
  return out;
}

export interface BoundStatement {
  sql: string;
  values: ParamValue[];
}

/** sql with its placeholders numbered for the driver, and the values in order. */
export function bindPlaceholders(sql: string, params: Map<string, ParamValue>, style: 'pg' | 'sqlite'): BoundStatement {
  const values: ParamValue[] = [];
  const named = new Map<string, number>();
  const mark = (n: number) => (style === 'pg' ? `$${n}` : `?${n}`);
  let out = '';
  let positional = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      const end = closing(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (c === '?' && !/\d/.test(next ?? '')) {
      positional++;
      values.push(params.get(String(positional)) ?? null);
      out += mark(values.length);
      i++;
    } else if ((c === ':' || c === '$') && /[A-Za-z_]/.test(next ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))!;
      const name = m[0];
      let n = named.get(name);
      if (n === undefined) {
        values.push(params.get(name) ?? null);
        n = values.length;
        named.set(name, n);
      }
      out += mark(n);
      i += 1 + name.length;
    } else {
      out += c;
      i++;
    }
  }
  return { sql: out, values };
}

// Where the quoted text starting at i ends (after its closing quote; a
// doubled quote is one quote inside).
function closing(sql: string, i: number, q: string): number {
  let j = i + 1;
  for (;;) {
    const k = sql.indexOf(q, j);
    if (k === -1) return sql.length;
    if (sql[k + 1] === q) j = k + 2;
    else return k + 1;
  }
}
