// The answers handed back to the suspended Lua call, as one Buffer each,
// read by native/lua_db.cpp (dbDecode) and native/lua_http_client.cpp
// (httpDecode): little-endian u32 counts and lengths, a tag byte per cell.
// One Buffer crosses into C++ and the Lua tables are made there, inside the
// Lua thread (an allocation that fails is then an error of the call).

export type Cell = string | number | boolean | null | bigint | Uint8Array | Date | object;

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_NUMBER = 3;
const TAG_STRING = 4;

class Writer {
  #chunks: Buffer[] = [];
  #head = Buffer.allocUnsafe(9);

  u32(n: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(n >>> 0);
    this.#chunks.push(b);
  }
  bytes(data: Buffer): void {
    this.u32(data.length);
    this.#chunks.push(data);
  }
  text(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }
  cell(v: Cell): void {
    if (v === null || v === undefined) return this.tag(TAG_NULL);
    if (typeof v === 'boolean') return this.tag(v ? TAG_TRUE : TAG_FALSE);
    if (typeof v === 'number') {
      const b = this.#head;
      b[0] = TAG_NUMBER;
      b.writeDoubleLE(v, 1);
      this.#chunks.push(Buffer.from(b));
      return;
    }
    this.tag(TAG_STRING);
    if (v instanceof Uint8Array) return this.bytes(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    if (v instanceof Date) return this.text(v.toISOString());
    if (typeof v === 'object') return this.text(JSON.stringify(v));
    this.text(String(v)); // strings, and bigints as their decimal text
  }
  tag(t: number): void {
    this.#chunks.push(Buffer.of(t));
  }
  done(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/** Rows (as arrays, in column order) under their column names. */
export function encodeRows(columns: string[], rows: Cell[][]): Buffer {
  const w = new Writer();
  w.u32(columns.length);
  for (const c of columns) w.text(c);
  w.u32(rows.length);
  for (const row of rows) for (let i = 0; i < columns.length; i++) w.cell(row[i] ?? null);
  return w.done();
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  /** "Name: value" lines, as received. */
  headerLines: string[];
  body: Buffer;
}

export function encodeHttpAnswer(a: HttpAnswer): Buffer {
  const w = new Writer();
  w.u32(a.status);
  w.text(a.statusText);
  w.u32(a.headerLines.length);
  for (const line of a.headerLines) w.bytes(Buffer.from(line, 'latin1'));
  w.bytes(a.body);
  return w.done();
}
