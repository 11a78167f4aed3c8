// msys.cidr's "datasource" type: define (in init) makes an empty shared
// table and flags it; this thread's Node side, polling the addon, runs the
// query on the datasource, and the rows become the table, built in the
// addon and swapped in (queries answer default_value until the first load
// ends, a few milliseconds after init). Every `refresh` seconds (default
// 1800) and on msys.cidr.reload the table is flagged again. Each flag is
// taken by one thread of the process, as the table is shared by all.
// The query reads every row (max_rows does not apply) and is never cached.
// Each row's cidr_column is an rbldnsd entry (1.2.3.0/24, 1.2.3.4-1.2.3.9,
// 2001:db8::/32, !1.2.3.5 to exclude), value_column its value.

import type { Cell } from './result-encoding.js';
import type { Datasource } from './datasource.js';

interface WantedTable {
  key: Buffer;
  cachename: string;
  query: string;
  cidrColumn: string;
  valueColumn: string;
}

export interface CidrAddon {
  cidrDatasourcesWanted?(): WantedTable[];
  cidrDatasourceLoad?(key: Buffer, text: string | null, error?: string): string | null;
}

/** How often this thread asks the addon for tables to load. */
export const CIDR_POLL_MS = 250;

const addons = new Set<CidrAddon>();
let timer: NodeJS.Timeout | undefined;
let running: Promise<void> | undefined;

/**
 * Starts (once per thread and addon) the polling that loads datasource
 * tables, with find(name) giving this thread's datasource of that name.
 */
export function watchDatasourceCidrs(addon: CidrAddon, find: (name: string) => Datasource | undefined): void {
  if (typeof addon.cidrDatasourcesWanted !== 'function') return;
  finder = find;
  addons.add(addon);
  void loadWantedCidrs();
  timer ??= setInterval(() => void loadWantedCidrs(), CIDR_POLL_MS).unref();
}

let finder: (name: string) => Datasource | undefined = () => undefined;

/** Runs the queries of every table flagged now; resolves when they are loaded (or failed). */
export function loadWantedCidrs(): Promise<void> {
  running = (running ?? Promise.resolve()).then(async () => {
    for (const addon of addons) {
      for (const table of addon.cidrDatasourcesWanted!()) await loadOne(addon, table);
    }
  });
  return running;
}

async function loadOne(addon: CidrAddon, t: WantedTable): Promise<void> {
  const ds = finder(t.cachename);
  if (!ds) return void addon.cidrDatasourceLoad!(t.key, null, 'no such datasource is configured');
  let columns: string[];
  let rows: Cell[][];
  try {
    ({ columns, rows } = await ds.readAll(t.query));
  } catch (err) {
    return void addon.cidrDatasourceLoad!(t.key, null, (err as Error).message);
  }
  const cidrAt = columnIndex(t.cidrColumn, columns);
  const valueAt = t.valueColumn === '' ? -1 : columnIndex(t.valueColumn, columns);
  if (rows.length > 0 && (cidrAt < 0 || (t.valueColumn !== '' && valueAt < 0))) {
    const missing = cidrAt < 0 ? t.cidrColumn : t.valueColumn;
    return void addon.cidrDatasourceLoad!(t.key, null, `the query has no column ${missing.replace(/^#/, '')} (columns: ${columns.join(', ')})`);
  }
  const lines: string[] = [];
  for (const row of rows) {
    const cidr = text(row[cidrAt]).trim();
    if (cidr === '') continue;
    const value = valueAt < 0 ? '1' : text(row[valueAt]).replace(/[\r\n]+/g, ' ');
    lines.push(`${cidr} :127.0.0.2:${value}`);
  }
  addon.cidrDatasourceLoad!(t.key, lines.join('\n'));
}

// A column by name, or by 1-based ordinal written "#n" (native/lua_cidr.cpp).
function columnIndex(column: string, columns: string[]): number {
  if (column.startsWith('#')) {
    const n = Number(column.slice(1)) - 1;
    return n < columns.length ? n : -1;
  }
  return columns.indexOf(column);
}

function text(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}
