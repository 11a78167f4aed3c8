// Turns configuration text into tokens. Lexical problems (unterminated
// strings and comments, bad escapes, stray control characters) are recorded
// and lexing goes on, so that the parser can report later problems too.

import type { ProblemList } from './errors.js';
import type { Origin } from './tree.js';

export type TokenKind = 'word' | 'string' | '{' | '}' | '(' | ')' | '[' | ']' | '=' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Word text, decoded string content, or the punctuation itself. */
  text: string;
  origin: Origin;
  /** True for the first token on its line: where recovery may restart. */
  lineStart: boolean;
}

const PUNCTUATION = new Set(['{', '}', '(', ')', '[', ']', '=']);

/** Characters that end a bare word (besides whitespace and `/*`). */
const WORD_STOP = new Set(['{', '}', '(', ')', '[', ']', '=', '"', "'", '#']);

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t', r: '\r',
  '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v',
};

export function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** C0 controls and DEL, other than whitespace: never valid outside strings. */
export function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return (code < 0x20 || code === 0x7f) && !isSpace(c);
}

/** Can `c` be part of a bare word (ignoring the `/*` rule)? */
export function isWordChar(c: string): boolean {
  return !isSpace(c) && !isControl(c) && !WORD_STOP.has(c);
}

/**
 * Tokens on demand, so that lexical problems are recorded in text order
 * among the parser's own. `peek(n)` looks ahead without consuming; after the
 * last token every call returns the end-of-file token.
 */
export class TokenStream {
  private readonly lexer: Lexer;
  private readonly buffer: Token[] = [];

  constructor(text: string, file: string, problems: ProblemList) {
    this.lexer = new Lexer(text, file, problems);
  }

  peek(ahead = 0): Token {
    while (this.buffer.length <= ahead) this.buffer.push(this.lexer.nextToken());
    return this.buffer[ahead] as Token;
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.buffer.shift();
    return t;
  }
}

class Lexer {
  private pos = 0;
  private line = 1;
  private col = 1;
  private sawNewline = true;
  private produced: Token | null = null;

  constructor(
    private readonly src: string,
    private readonly file: string,
    private readonly problems: ProblemList,
  ) {
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1; // byte order mark
  }

  nextToken(): Token {
    while (this.produced === null && this.pos < this.src.length) this.step();
    if (this.produced === null) this.push('eof', '', this.here());
    const t = this.produced as Token;
    this.produced = null;
    return t;
  }

  private step(): void {
    const c = this.peek();
    if (isSpace(c)) return this.skipSpace();
    if (c === '#') return this.skipLineComment();
    if (c === '/' && this.peek(1) === '*') return this.skipBlockComment();
    if (PUNCTUATION.has(c)) {
      const at = this.here();
      this.advance();
      return this.push(c as TokenKind, c, at);
    }
    if (c === '"') return this.doubleQuoted();
    if (c === "'") return this.singleQuoted();
    if (isControl(c)) {
      this.problems.add(this.here(), `unexpected character ${codePoint(c)}`);
      this.advance();
      return;
    }
    this.word();
  }

  private skipSpace(): void {
    if (this.peek() === '\n') this.sawNewline = true;
    this.advance();
  }

  private skipLineComment(): void {
    while (this.pos < this.src.length && this.peek() !== '\n') this.advance();
  }

  private skipBlockComment(): void {
    const at = this.here();
    this.advance();
    this.advance();
    while (this.pos < this.src.length) {
      if (this.peek() === '*' && this.peek(1) === '/') {
        this.advance();
        this.advance();
        return;
      }
      if (this.peek() === '\n') this.sawNewline = true;
      this.advance();
    }
    this.problems.add(at, `unterminated comment: '/*' at ${at.line}:${at.col} has no closing '*/'`);
  }

  private word(): void {
    const at = this.here();
    const start = this.pos;
    while (this.pos < this.src.length && isWordChar(this.peek()) && !(this.peek() === '/' && this.peek(1) === '*')) {
      this.advance();
    }
    this.push('word', this.src.slice(start, this.pos), at);
  }

  private singleQuoted(): void {
    const at = this.here();
    this.advance();
    const start = this.pos;
    while (this.pos < this.src.length && this.peek() !== "'" && this.peek() !== '\n') this.advance();
    const text = this.src.slice(start, this.pos);
    if (this.peek() === "'") this.advance();
    else this.unterminated(at, "'");
    this.push('string', text, at);
  }

  private doubleQuoted(): void {
    const at = this.here();
    this.advance();
    let text = '';
    while (this.pos < this.src.length && this.peek() !== '"' && this.peek() !== '\n') {
      if (this.peek() === '\\') text += this.escape();
      else {
        text += this.peek();
        this.advance();
      }
    }
    if (this.peek() === '"') this.advance();
    else this.unterminated(at, '"');
    this.push('string', text, at);
  }

  /** Decodes one backslash escape; unknown escapes are kept as written. */
  private escape(): string {
    const at = this.here();
    this.advance();
    const c = this.peek();
    if (c === '' || c === '\n') return ''; // the string is unterminated
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) {
      this.advance();
      return simple;
    }
    if (c === 'x') return this.hexEscape(at);
    if (c === 'u') return this.unicodeEscape(at);
    this.advance();
    return `\\${c}`;
  }

  private hexEscape(at: Origin): string {
    this.advance();
    const digits = this.src.slice(this.pos, this.pos + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(digits)) {
      this.problems.add(at, `invalid escape '\\x${digits.replace(/["\n].*$/s, '')}' in string: expected two hex digits after '\\x'`);
      return '';
    }
    this.advance();
    this.advance();
    return String.fromCharCode(parseInt(digits, 16));
  }

  private unicodeEscape(at: Origin): string {
    this.advance();
    const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(this.src.slice(this.pos, this.pos + 8));
    const plain = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.pos, this.pos + 4));
    const digits = braced?.[1] ?? plain?.[0];
    const code = digits === undefined ? -1 : parseInt(digits, 16);
    if (digits === undefined || code > 0x10ffff) {
      this.problems.add(at, `invalid escape in string: expected '\\uXXXX' or '\\u{X...}' with a code point up to 10FFFF`);
      return '';
    }
    const length = braced ? braced[0].length : 4;
    for (let i = 0; i < length; i++) this.advance();
    return String.fromCodePoint(code);
  }

  private unterminated(at: Origin, quote: string): void {
    const where = this.pos < this.src.length ? 'end of line' : 'end of file';
    this.problems.add(at, `unterminated string: missing closing ${quote === '"' ? `'"'` : `"'"`} before ${where}`);
  }

  private push(kind: TokenKind, text: string, origin: Origin): void {
    this.produced = { kind, text, origin, lineStart: this.sawNewline };
    this.sawNewline = false;
  }

  private peek(ahead = 0): string {
    return this.src.charAt(this.pos + ahead);
  }

  private here(): Origin {
    return { file: this.file, line: this.line, col: this.col };
  }

  private advance(): void {
    const c = this.src.charCodeAt(this.pos);
    this.pos++;
    if (c === 0x0a) {
      this.line++;
      this.col = 1;
    } else if (c < 0xdc00 || c > 0xdfff) {
      this.col++; // a low surrogate shares the column of its high surrogate
    }
  }
}

function codePoint(c: string): string {
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
