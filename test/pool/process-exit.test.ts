// A process that exits while its workers are in the middle of Lua calls ends
// with the status it asked for. Node-API calls fail in a thread that is being
// stopped, and the addon must not turn that into an abort (exit 134).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

describe('a process that exits during calls', () => {
  it('ends with its own exit status, not an abort', () => {
    for (let run = 0; run < 3; run++) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/pool/fixtures/exit-mid-call.ts'], { encoding: 'utf8', env: process.env, timeout: 60_000 });
      assert.equal(child.signal, null, `run ${run}: ended by ${child.signal}; stderr: ${child.stderr}`);
      assert.equal(child.status, 3, `run ${run}: exit ${child.status}; stderr: ${child.stderr}`);
      assert.doesNotMatch(child.stderr, /terminate called/);
    }
  });
});
