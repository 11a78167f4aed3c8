// Parts of the docs written from the code, so that the two cannot disagree.
// Each sits between two marker lines in its file:
//
//   <!-- generated: NAME (from SOURCE; do not edit, run `node --import tsx test/helpers/generated-docs.ts`) -->
//   ...
//   <!-- end generated: NAME -->
//
// A test compares each with what the code gives; run this file to rewrite them.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIME_OPTIONS } from '../../src/server/console-commands.js';
import { functionReference, stubTableSource } from './lua-function-reference.js';
import { REPO } from './scriptlet-process.js';

export interface GeneratedBlock {
  /** Relative to the repository. */
  file: string;
  name: string;
  /** Where the content comes from, said in the opening marker. */
  source: string;
  render(): string;
}

export const GENERATED_BLOCKS: readonly GeneratedBlock[] = [
  {
    file: 'docs/serve.md',
    name: 'runtime-options',
    source: 'RUNTIME_KEYS in src/server/console-commands.ts',
    render: () => ['| option | takes |', '|---|---|', ...RUNTIME_OPTIONS.map((s) => `| \`${s.name}\` | ${s.expects.replaceAll('|', '\\|')} |`)].join('\n'),
  },
  {
    file: 'docs/lua-api.md',
    name: 'function-reference',
    source: 'LUA_FUNCTIONS in src/engine/lua-function-status.ts',
    render: functionReference,
  },
];

/** Files written whole from the code (a test compares them too). */
export interface GeneratedFile {
  file: string;
  source: string;
  render(): string;
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { file: 'native/lua_function_status.inc', source: 'LUA_FUNCTIONS in src/engine/lua-function-status.ts', render: stubTableSource },
];

export const REWRITE_COMMAND = 'node --import tsx test/helpers/generated-docs.ts';

function markers(block: GeneratedBlock): { open: RegExp; close: string; openLine: string } {
  return {
    open: new RegExp(`^<!-- generated: ${block.name} .*-->$`, 'm'),
    openLine: `<!-- generated: ${block.name} (from ${block.source}; do not edit, run \`${REWRITE_COMMAND}\`) -->`,
    close: `<!-- end generated: ${block.name} -->`,
  };
}

/** The block's content as the file has it now, or undefined when its markers are missing. */
export function currentContent(block: GeneratedBlock, text = fs.readFileSync(path.join(REPO, block.file), 'utf8')): string | undefined {
  const { open, close } = markers(block);
  const start = open.exec(text);
  const end = text.indexOf(`\n${close}`);
  if (!start || end < start.index) return undefined;
  return text.slice(start.index + start[0].length + 1, end);
}

/** `text` with the block's content (and its opening marker) written anew. */
export function rewritten(block: GeneratedBlock, text: string): string {
  const { open, close, openLine } = markers(block);
  const start = open.exec(text);
  const end = text.indexOf(`\n${close}`);
  if (!start || end < start.index) throw new Error(`${block.file}: no '${block.name}' block (${openLine} ... ${close})`);
  return `${text.slice(0, start.index)}${openLine}\n${block.render()}${text.slice(end)}`;
}

if (process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const block of GENERATED_BLOCKS) {
    const file = path.join(REPO, block.file);
    fs.writeFileSync(file, rewritten(block, fs.readFileSync(file, 'utf8')));
    console.log(`${block.file}: ${block.name} written`);
  }
  for (const generated of GENERATED_FILES) {
    fs.writeFileSync(path.join(REPO, generated.file), generated.render());
    console.log(`${generated.file} written`);
  }
}
