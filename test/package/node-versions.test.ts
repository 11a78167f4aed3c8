// The Node versions the package supports are one range, in package.json's
// engines, that the README states; no package in the lock file, runtime or
// development, asks for more than the first release of each line in it
// (npm would warn EBADENGINE there). The tarball's install under each line
// is `npm run test:package`.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: unknown }>;
};

/** The first version of each line the range admits: ^20.19.0 || ^22.12.0 || >=24.0.0 gives 20.19.0, 22.12.0, 24.0.0. */
function lineMinimums(range: string): string[] {
  return range.split('||').map((part) => {
    const min = semver.minVersion(part.trim());
    assert.ok(min, `engines.node: '${part}' admits no version`);
    return min.version;
  });
}

describe('supported Node versions', () => {
  const range = pkg.engines.node;
  const minimums = lineMinimums(range);

  it('are Node 20.19 and later on 20, 22 and 24 and later (Node-API: one build serves all)', () => {
    assert.deepEqual(minimums, ['20.19.0', '22.12.0', '24.0.0']);
  });

  it('are stated in the README as package.json has them', () => {
    assert.ok(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8').includes(`\`${range}\``), `README.md does not state \`${range}\``);
  });

  it('are what every locked package accepts, so npm warns EBADENGINE on none of them', () => {
    const refusals: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      const wants = (entry.engines as { node?: unknown } | undefined)?.node;
      if (typeof wants !== 'string') continue;
      const refused = minimums.filter((v) => !semver.satisfies(v, wants));
      if (refused.length) refusals.push(`${where}@${entry.version ?? '?'} wants node ${wants}: not ${refused.join(', ')}`);
    }
    assert.deepEqual(refusals, []);
  });
});
