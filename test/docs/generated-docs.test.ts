// The parts of the docs written from the code (test/helpers/generated-docs.ts)
// are what the code gives today; a change to the code without rewriting
// them fails here.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { currentContent, GENERATED_BLOCKS, GENERATED_FILES, REWRITE_COMMAND, rewritten, type GeneratedBlock } from '../helpers/generated-docs.js';
import { REPO } from '../helpers/scriptlet-process.js';

const SAMPLE: GeneratedBlock = { file: 'x.md', name: 'sample', source: 'a table', render: () => '| a |\n| b |' };

describe('generated docs', () => {
  for (const block of GENERATED_BLOCKS) {
    it(`${block.file}'s ${block.name} block is what ${block.source} gives`, () => {
      const content = currentContent(block);
      assert.notEqual(content, undefined, `${block.file} has no '${block.name}' block`);
      assert.equal(content, block.render(), `${block.file} disagrees with ${block.source}: run ${REWRITE_COMMAND}`);
    });
  }

  for (const generated of GENERATED_FILES) {
    it(`${generated.file} is what ${generated.source} gives`, () => {
      assert.equal(fs.readFileSync(path.join(REPO, generated.file), 'utf8'), generated.render(), `run ${REWRITE_COMMAND}`);
    });
  }

  it('rewrites only what lies between the markers, and says where it comes from', () => {
    const before = 'intro\n<!-- generated: sample -->\nstale\n<!-- end generated: sample -->\noutro\n';
    const after = rewritten(SAMPLE, before);
    assert.equal(after, `intro\n<!-- generated: sample (from a table; do not edit, run \`${REWRITE_COMMAND}\`) -->\n| a |\n| b |\n<!-- end generated: sample -->\noutro\n`);
    assert.equal(currentContent(SAMPLE, after), '| a |\n| b |');
    assert.equal(rewritten(SAMPLE, after), after);
  });

  it('refuses a file without the markers', () => {
    assert.equal(currentContent(SAMPLE, 'no markers\n'), undefined);
    assert.throws(() => rewritten(SAMPLE, 'no markers\n'), /^Error: x\.md: no 'sample' block/);
  });
});
