// Builds the configuration tree from tokens. Every problem is recorded and
// parsing resumes at the next statement or closing brace, so one pass reports
// them all. `include` is handed to a hook that returns the included nodes.

import type { ProblemList } from './errors.js';
import { type Token, TokenStream } from './lexer.js';
import { clip, type ConfigDict, type ConfigList, type ConfigNode, type ConfigScope, type ConfigValue, type Origin } from './tree.js';

/** Scopes, lists and dictionaries nested deeper than this are refused. */
export const MAX_NESTING = 100;

export interface ParseHooks {
  /** Returns the nodes of an `include "path"` written at `origin`. */
  include?: (path: string, origin: Origin) => ConfigNode[];
}

/** Parses one file's text into a root scope (name '', no instance). */
export function parseText(text: string, file: string, problems: ProblemList, hooks: ParseHooks = {}): ConfigScope {
  return new Parser(new TokenStream(text, file, problems), file, problems, hooks).root();
}

/**
 * Parses `text` as exactly one value (`200`, `yes`, `( "a" "b" )`); null if
 * it is not one well-formed value. Used for values given at run time.
 */
export function parseValueText(text: string, file: string, problems: ProblemList): ConfigValue | null {
  return new Parser(new TokenStream(text, file, problems), file, problems, {}).singleValue();
}

const INTEGER = /^[+-]?[0-9]+$/;

/** An integer node if `text` is a safe integer, else a word node. */
export function wordValue(text: string, origin: Origin): ConfigValue {
  if (INTEGER.test(text)) {
    const value = Number(text) + 0; // `+ 0` turns -0 into 0
    if (Number.isSafeInteger(value)) return { kind: 'integer', value, origin };
  }
  return { kind: 'word', text, origin };
}

export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'word':
      return `'${clip(t.text)}'`;
    case 'string':
      return JSON.stringify(clip(t.text));
    default:
      return `'${t.kind}'`;
  }
}

class Parser {
  /** Lists and dictionaries open at the point of the last failure. */
  private openBrackets = 0;

  constructor(
    private readonly tokens: TokenStream,
    private readonly file: string,
    private readonly problems: ProblemList,
    private readonly hooks: ParseHooks,
  ) {}

  root(): ConfigScope {
    const root: ConfigScope = { kind: 'scope', name: '', instance: null, body: [], origin: { file: this.file, line: 1, col: 1 } };
    this.body(root.body, null, 0);
    return root;
  }

  singleValue(): ConfigValue | null {
    const value = this.value(0, 'here');
    const after = this.peek();
    if (value && after.kind !== 'eof') this.problem(after, `expected end of value, found ${describeToken(after)}`);
    return value && after.kind === 'eof' ? value : null;
  }

  private body(out: ConfigNode[], opener: { label: string; origin: Origin } | null, depth: number): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') {
        if (opener) {
          const { line, col } = opener.origin;
          this.problem(t, `expected '}' to close scope '${opener.label}' opened at ${line}:${col}, found end of file`);
        }
        return;
      }
      if (t.kind === '}') {
        this.next();
        if (opener) return;
        this.problem(t, `unexpected '}': no scope is open here`);
      } else if (t.kind === 'word') {
        this.statement(out, depth);
      } else {
        // recover() consumes t (it is not a word, '}' or end of file) and
        // counts it if it opens a bracket or brace.
        this.problem(t, `expected an option or scope name, found ${describeToken(t)}`);
        this.recover();
      }
    }
  }

  private statement(out: ConfigNode[], depth: number): void {
    const nameTok = this.next();
    const name = nameTok.text;
    const t = this.peek();
    if (name.toLowerCase() === 'include' && (t.kind === 'string' || t.kind === 'word') && !this.startsStatement(t) && this.peek(1).kind !== '{') {
      this.next();
      out.push(...this.include(t.text, nameTok.origin));
      return;
    }
    if (t.kind === '=') {
      this.next();
      const value = this.value(depth, `after '=' for option '${name}'`);
      if (value) out.push({ kind: 'option', name, value, origin: nameTok.origin });
      else this.recover();
    } else if (t.kind === '{') {
      this.next();
      this.scope(out, nameTok, null, depth);
    } else if (t.kind === 'string' || (t.kind === 'word' && !t.lineStart)) {
      this.next();
      const brace = this.peek();
      if (brace.kind === '{') {
        this.next();
        this.scope(out, nameTok, t.text, depth);
      } else {
        this.problem(brace, `expected '{' after scope name '${name} ${JSON.stringify(clip(t.text))}', found ${describeToken(brace)}`);
        this.recover();
      }
    } else {
      this.problem(t, `expected '=' or '{' after option name '${name}', found ${describeToken(t)}`);
      this.recover();
    }
  }

  private include(path: string, origin: Origin): ConfigNode[] {
    if (this.hooks.include) return this.hooks.include(path, origin);
    this.problems.add(origin, `include is not available here`);
    return [];
  }

  private scope(out: ConfigNode[], nameTok: Token, instance: string | null, depth: number): void {
    const label = instance === null ? nameTok.text : `${nameTok.text} ${JSON.stringify(clip(instance))}`;
    if (depth >= MAX_NESTING) {
      this.problem(nameTok, `scope '${label}' is nested more than ${MAX_NESTING} deep`);
      this.skipScopeBody();
      return;
    }
    const scope: ConfigScope = { kind: 'scope', name: nameTok.text, instance, body: [], origin: nameTok.origin };
    this.body(scope.body, { label, origin: nameTok.origin }, depth + 1);
    out.push(scope);
  }

  /** Parses a value; on failure records the problem and returns null. */
  private value(depth: number, context: string): ConfigValue | null {
    const t = this.peek();
    if (this.startsStatement(t)) {
      this.problem(t, `expected a value ${context}, found option or scope '${clip(t.text)}'`);
      return null;
    }
    switch (t.kind) {
      case 'word':
        this.next();
        return wordValue(t.text, t.origin);
      case 'string':
        this.next();
        return { kind: 'string', text: t.text, origin: t.origin };
      case '(':
      case '[':
        if (depth >= MAX_NESTING) {
          this.problem(t, `value is nested more than ${MAX_NESTING} deep`);
          return null;
        }
        return t.kind === '(' ? this.list(depth + 1) : this.dict(depth + 1);
      default:
        this.problem(t, `expected a value ${context}, found ${describeToken(t)}`);
        return null;
    }
  }

  private list(depth: number): ConfigList | null {
    const open = this.next();
    this.openBrackets++;
    const where = `the list opened at ${open.origin.line}:${open.origin.col}`;
    const list: ConfigList = { kind: 'list', items: [], origin: open.origin };
    for (;;) {
      const t = this.peek();
      if (t.kind === ')') {
        this.next();
        this.openBrackets--;
        return list;
      }
      if (t.kind === 'word' && this.startsStatement(t)) {
        this.problem(t, `expected ')' to close ${where}, found option or scope '${clip(t.text)}'`);
        return null;
      }
      if (t.kind !== 'word' && t.kind !== 'string' && t.kind !== '(' && t.kind !== '[') {
        this.problem(t, `expected a value or ')' to close ${where}, found ${describeToken(t)}`);
        return null;
      }
      const item = this.value(depth, `in ${where}`);
      if (!item) return null;
      list.items.push(item);
    }
  }

  private dict(depth: number): ConfigDict | null {
    const open = this.next();
    this.openBrackets++;
    const where = `the dictionary opened at ${open.origin.line}:${open.origin.col}`;
    const dict: ConfigDict = { kind: 'dict', entries: [], origin: open.origin };
    for (;;) {
      const t = this.peek();
      if (t.kind === ']') {
        this.next();
        this.openBrackets--;
        return dict;
      }
      if (t.kind !== 'word' && t.kind !== 'string') {
        this.problem(t, `expected a dictionary key or ']' to close ${where}, found ${describeToken(t)}`);
        return null;
      }
      this.next();
      const eq = this.peek();
      if (eq.kind !== '=') {
        this.problem(eq, `expected '=' after dictionary key '${clip(t.text)}', found ${describeToken(eq)}`);
        return null;
      }
      this.next();
      const value = this.value(depth, `after '=' for dictionary key '${clip(t.text)}'`);
      if (!value) return null;
      dict.entries.push({ key: t.text, value, origin: t.origin });
    }
  }

  /** A word first on its line followed by `=`, `{` or `NAME {`. */
  private startsStatement(t: Token): boolean {
    if (t.kind !== 'word' || !t.lineStart || this.peek() !== t) return false;
    const after = this.peek(1).kind;
    if (after === '=' || after === '{') return true;
    return (after === 'string' || after === 'word') && this.peek(2).kind === '{';
  }

  /**
   * Skips what is left of a broken statement: stops before a `}` that closes
   * the enclosing scope, at the end of file, or at a word that starts a line
   * (once any list or dictionary left open has been closed, or when that word
   * plainly starts a new statement).
   */
  private recover(): void {
    let brackets = this.openBrackets;
    let braces = 0;
    this.openBrackets = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (t.kind === '}' && braces === 0) return;
      if (t.kind === 'word' && t.lineStart && braces === 0 && (brackets === 0 || this.startsStatement(t))) return;
      if (t.kind === '{') braces++;
      else if (t.kind === '}') braces--;
      else if (t.kind === '(' || t.kind === '[') brackets++;
      else if (t.kind === ')' || t.kind === ']') brackets = Math.max(0, brackets - 1);
      this.next();
    }
  }

  /** Skips to just after the `}` that matches an already consumed `{`. */
  private skipScopeBody(): void {
    let braces = 1;
    while (braces > 0 && this.peek().kind !== 'eof') {
      const t = this.next();
      if (t.kind === '{') braces++;
      else if (t.kind === '}') braces--;
    }
  }

  private peek(ahead = 0): Token {
    return this.tokens.peek(ahead);
  }

  private next(): Token {
    return this.tokens.next();
  }

  private problem(t: Token, message: string): void {
    this.problems.add(t.origin, message);
  }
}
