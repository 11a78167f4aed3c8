// The datasource URIs of Momentum's ds_core, as its configuration writes them:
//
//   uri = ( "sqlite:/var/db/policy.db" )
//   uri = ( "pgsql:host=127.0.0.1 port=5432 dbname=mail user=mta password=x" )
//
// pgsql takes libpq's key=value words (separated by spaces, or by ';' as
// Momentum's ODBC examples write them); a value may be single-quoted.

export type DatasourceTarget =
  | { driver: 'sqlite'; path: string }
  | { driver: 'pgsql'; host?: string; port?: number; database?: string; user?: string; password?: string; connectTimeout?: number };

const PG_KEYS: Record<string, string> = {
  host: 'host', hostaddr: 'host', port: 'port', dbname: 'database', user: 'user', password: 'password', connect_timeout: 'connectTimeout',
};

/** The target of one URI, or the reason it is not one (thrown as Error). */
export function parseDatasourceUri(uri: string): DatasourceTarget {
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon).toLowerCase() : '';
  const rest = uri.slice(colon + 1);
  if (scheme === 'sqlite' || scheme === 'sqlite3') {
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '') throw new Error(`'${uri}': sqlite needs a database file: "sqlite:/path/to/file.db"`);
    return { driver: 'sqlite', path };
  }
  if (scheme === 'pgsql' || scheme === 'postgres' || scheme === 'postgresql') return { driver: 'pgsql', ...pgWords(uri, rest) };
  throw new Error(`'${uri}': unknown datasource driver '${scheme || uri}': scriptlet has "sqlite:PATH" and "pgsql:host=... dbname=..."`);
}

function pgWords(uri: string, text: string): Omit<Extract<DatasourceTarget, { driver: 'pgsql' }>, 'driver'> {
  const out: Record<string, string | number> = {};
  const word = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s;]*))\s*;?/y;
  let at = 0;
  while (at < text.length) {
    if (/^[\s;]*$/.test(text.slice(at))) break;
    word.lastIndex = at;
    const m = word.exec(text);
    if (!m) throw new Error(`'${uri}': expected key=value at "${text.slice(at, at + 20)}"`);
    at = word.lastIndex;
    const key = PG_KEYS[m[1]!.toLowerCase()];
    if (!key) throw new Error(`'${uri}': unknown pgsql key '${m[1]}' (host, port, dbname, user, password, connect_timeout)`);
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
    if (key === 'port' || key === 'connectTimeout') {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`'${uri}': ${m[1]} must be a positive integer, got '${value}'`);
      out[key] = n;
    } else {
      out[key] = value;
    }
  }
  return out;
}
