// Adds `script "policyeditor" { source = "policy.policyeditor" }` to the
// scriptlet scope when it is missing, as Momentum's editor does, changing
// nothing else in the file: the line goes just before the scope's closing
// brace, found with the configuration's own lexer (so braces in strings and
// comments are not miscounted), and every other byte stays as it was.

import * as fs from 'node:fs';
import { ProblemList } from '../config/errors.js';
import { TokenStream } from '../config/lexer.js';
import { parseConfigFile } from '../config/read.js';
import { findScopes, sameName, type ConfigScope, type Origin } from '../config/tree.js';

export const STANZA_NAME = 'policyeditor';
export const STANZA_SOURCE = 'policy.policyeditor';

/** A file's text before and after the edit. */
export interface ConfigEdit {
  file: string;
  before: string;
  after: string;
}

export function hasPolicyEditorStanza(tree: ConfigScope): boolean {
  return findScopes(tree, 'scriptlet').some((s) => findScopes(s, 'script').some((x) => x.instance !== null && sameName(x.instance, STANZA_NAME)));
}

/** Offset in text of a 1-based line and column. */
function offsetOf(text: string, o: Origin): number {
  let at = 0;
  for (let line = 1; line < o.line; line++) at = text.indexOf('\n', at) + 1;
  return at + o.col - 1;
}

/** The edit that adds the stanza to conf's first scriptlet scope, or undefined when it is there already. */
export function policyEditorStanzaEdit(confFile: string): ConfigEdit | undefined {
  const tree = parseConfigFile(confFile);
  if (hasPolicyEditorStanza(tree)) return undefined;
  const scope = findScopes(tree, 'scriptlet')[0];
  if (!scope) throw new Error(`${confFile}: the configuration has no 'scriptlet' scope to add the policyeditor script to`);
  const file = scope.origin.file;
  const before = fs.readFileSync(file, 'utf8');
  const tokens = new TokenStream(before, file, new ProblemList());
  let depth = 0;
  let close: Origin | undefined;
  for (let t = tokens.next(); t.kind !== 'eof'; t = tokens.next()) {
    const after = t.origin.line > scope.origin.line || (t.origin.line === scope.origin.line && t.origin.col >= scope.origin.col);
    if (!after) continue;
    if (t.kind === '{') depth++;
    else if (t.kind === '}' && --depth === 0) {
      close = t.origin;
      break;
    }
  }
  if (!close) throw new Error(`${file}:${scope.origin.line}:${scope.origin.col}: cannot find the end of the scriptlet scope`);
  const at = offsetOf(before, close);
  const lineStart = before.lastIndexOf('\n', at - 1) + 1;
  const onItsOwnLine = before.slice(lineStart, at).trim() === '';
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  const stanza = `script "${STANZA_NAME}" { source = "${STANZA_SOURCE}" }`;
  const after = onItsOwnLine
    ? `${before.slice(0, lineStart)}  ${stanza}${eol}${before.slice(lineStart)}`
    : `${before.slice(0, at)}${eol}  ${stanza}${eol}${before.slice(at)}`;
  return { file, before, after };
}
