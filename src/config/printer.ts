// Prints a configuration tree back as text that parses to the same tree
// (positions aside). Strings are always printed in double quotes.

import { isWordChar } from './lexer.js';
import { wordValue } from './parser.js';
import type { ConfigNode, ConfigScope, ConfigValue } from './tree.js';

const INDENT = '  ';

/** Text for `tree`: a root scope prints its body, any other scope itself. */
export function printConfig(tree: ConfigScope): string {
  const nodes = tree.name === '' ? tree.body : [tree];
  return nodes.map((n) => printNode(n, 0)).join('');
}

/** One value in configuration syntax, e.g. `( "a" b 3 )`. */
export function printValue(value: ConfigValue): string {
  switch (value.kind) {
    case 'integer':
      return String(value.value);
    case 'word':
      return isBareWord(value.text) && wordValue(value.text, value.origin).kind === 'word' ? value.text : quote(value.text);
    case 'string':
      return quote(value.text);
    case 'list':
      return value.items.length === 0 ? '( )' : `( ${value.items.map(printValue).join(' ')} )`;
    case 'dict':
      if (value.entries.length === 0) return '[ ]';
      return `[ ${value.entries.map((e) => `${printKey(e.key)} = ${printValue(e.value)}`).join(' ')} ]`;
  }
}

/** Can `text` be written without quotes (as a name, key or word)? */
export function isBareWord(text: string): boolean {
  if (text.length === 0 || text.includes('/*')) return false;
  for (const c of text) if (!isWordChar(c)) return false;
  return true;
}

/** A double-quoted string literal with the escapes the lexer decodes. */
export function quote(text: string): string {
  let out = '"';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function printNode(node: ConfigNode, depth: number): string {
  const pad = INDENT.repeat(depth);
  const name = printName(node.name);
  if (node.kind === 'option') return `${pad}${name} = ${printValue(node.value)}\n`;
  const head = node.instance === null ? name : `${name} ${quote(node.instance)}`;
  if (node.body.length === 0) return `${pad}${head} { }\n`;
  return `${pad}${head} {\n${node.body.map((n) => printNode(n, depth + 1)).join('')}${pad}}\n`;
}

function printName(name: string): string {
  if (!isBareWord(name)) throw new TypeError(`cannot print ${JSON.stringify(name)} as an option or scope name`);
  return name;
}

function printKey(key: string): string {
  return isBareWord(key) ? key : quote(key);
}
