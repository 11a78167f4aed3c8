// The message API the peers (wasmoon, fengari, plain JS) run the policies
// over, written once in JS and doing the work the native MessageView does:
// the header section is indexed on first use, each lookup unfolds, trims
// and RFC 2047-decodes the values it returns, and the body is what follows
// the blank line. Strings are "binary" (one char per byte, Latin-1), so
// that lengths and patterns see the bytes a Lua string holds; decoded
// values are UTF-8 bytes, as the native engine gives them to Lua.

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^ \t]*?)\?=/g;
const GAP = /^[ \t]+$/;

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Q encoding; null when an '=' is not followed by two hex digits (the word then stays as written). */
function decodeQ(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) {
      out += ' ';
    } else if (c === 0x3d) {
      const hi = i + 2 < text.length ? hex(text.charCodeAt(i + 1)) : -1;
      const lo = hi < 0 ? -1 : hex(text.charCodeAt(i + 2));
      if (lo < 0) return null;
      out += String.fromCharCode(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** Bytes (binary string) of a charset's text, as UTF-8 bytes; null if the charset is unknown. */
function toUtf8(charset: string, bytes: string): string | null {
  const cs = charset.toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return bytes;
  // A binary string's chars are the Latin-1 code points: encoding it as UTF-8 converts it.
  if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'iso8859-1') return Buffer.from(bytes, 'utf8').toString('latin1');
  try {
    return Buffer.from(new TextDecoder(cs).decode(Buffer.from(bytes, 'latin1')), 'utf8').toString('latin1');
  } catch {
    return null; // unknown to this runtime: the word stays as written, as in the native decoder
  }
}

/** RFC 2047: encoded-words decoded to UTF-8 bytes; white space between two of them goes (§6.2). */
export function decodeEncodedWords(value: string): string {
  if (value.length < 8 || !value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let afterWord = -1;
  ENCODED_WORD.lastIndex = 0;
  for (let m = ENCODED_WORD.exec(value); m; m = ENCODED_WORD.exec(value)) {
    const at = m.index;
    const gap = value.slice(last, at);
    const charset = m[1]!.split('*')[0]!;
    const bytes = m[2] === 'B' || m[2] === 'b' ? Buffer.from(m[3]!, 'base64').toString('latin1') : decodeQ(m[3]!);
    const decoded = bytes === null ? null : toUtf8(charset, bytes);
    if (!(afterWord === last && GAP.test(gap) && decoded !== null)) out += gap;
    out += decoded ?? m[0];
    last = at + m[0].length;
    afterWord = decoded === null ? -1 : last;
  }
  return out + value.slice(last);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/** Unfolds (drops the line breaks, keeps the white space after them) and trims. */
function unfold(raw: string): string {
  let start = 0;
  let end = raw.length;
  while (start < end && isSpace(raw.charCodeAt(start))) start++;
  while (end > start && isSpace(raw.charCodeAt(end - 1))) end--;
  const v = start === 0 && end === raw.length ? raw : raw.slice(start, end);
  return v.includes('\n') ? v.replace(/\r?\n/g, '') : v;
}

export class MailView {
  readonly raw: Buffer;
  #fields: Map<string, string[]> | undefined;
  #bodyOffset = 0;

  constructor(raw: Buffer) {
    this.raw = raw;
  }

  /** Every value of the field, decoded, in order (an empty list when there is none). */
  header(name: string): string[] {
    const raws = this.#index().get(name.toLowerCase());
    return raws ? raws.map((r) => decodeEncodedWords(unfold(r))) : [];
  }

  /** The body as bytes. */
  bodyBytes(): Buffer {
    this.#index();
    return this.raw.subarray(this.#bodyOffset);
  }

  /** The body as a binary string. */
  body(): string {
    this.#index();
    return this.raw.toString('latin1', this.#bodyOffset);
  }

  // One pass over the header section, as lenient as the native one: bare
  // LF, lines that are neither a field nor a continuation are skipped.
  #index(): Map<string, string[]> {
    if (this.#fields) return this.#fields;
    const fields = new Map<string, string[]>();
    const end = this.#headerEnd();
    const text = this.raw.toString('latin1', 0, end.header);
    this.#bodyOffset = end.body;
    let list: string[] | undefined;
    let at = -1;
    for (const line of text.split('\n')) {
      if (line[0] === ' ' || line[0] === '\t') {
        if (list) list[at] += '\n' + line;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon).replace(/[ \t]+$/, '') : '';
      if (!name) {
        list = undefined;
        continue;
      }
      const key = name.toLowerCase();
      list = fields.get(key) ?? [];
      if (list.length === 0) fields.set(key, list);
      at = list.push(line.slice(colon + 1)) - 1;
    }
    return (this.#fields = fields);
  }

  // The blank line, in the line ending of the first line (as the native view decides it).
  #headerEnd(): { header: number; body: number } {
    const lf = this.raw.indexOf(0x0a);
    const crlf = lf > 0 && this.raw[lf - 1] === 0x0d;
    const at = lf < 0 ? -1 : this.raw.indexOf(crlf ? '\r\n\r\n' : '\n\n', lf - (crlf ? 1 : 0));
    if (at < 0) return { header: this.raw.length, body: this.raw.length };
    return crlf ? { header: at, body: at + 4 } : { header: at, body: at + 2 };
  }
}
