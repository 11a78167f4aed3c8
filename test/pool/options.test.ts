// Engine options: checked on the calling thread with exact messages before
// any worker starts, the Policy's own options with the Policy's messages,
// and a configuration scope mapped onto them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadError, loadScriptletConfig, UsageError } from '../../src/index.js';
import { engineFromConfig, openEngine, type EngineOptions } from '../../src/pool/index.js';
import { workerNodeOptions } from '../../src/pool/piscina-options.js';

const scripts = [{ name: 't', source: 'msys.registerModule("t", { validate_connect = function() return 0 end })' }];

function refused(options: Partial<EngineOptions>, message: string): void {
  assert.throws(
    () => openEngine({ scripts, ...options } as EngineOptions),
    (e: unknown) => e instanceof UsageError && e.code === 'ERR_SCRIPTLET_USAGE' && e.message === message,
    message,
  );
}

describe('engine options', () => {
  it('refuses bad pool options with exact messages', () => {
    refused({ threads: -1 }, 'options.threads must be an integer from 0 to 1024 (0: one per CPU), got -1');
    refused({ threads: 1.5 }, 'options.threads must be an integer from 0 to 1024 (0: one per CPU), got 1.5');
    refused({ threads: '2' as unknown as number }, 'options.threads must be an integer from 0 to 1024 (0: one per CPU), got "2"');
    refused({ threads: 1025 }, 'options.threads must be an integer from 0 to 1024 (0: one per CPU), got 1025');
    refused({ reapInterval: 0 }, 'options.reapInterval must be a number of seconds above 0 and at most 2147483, got 0');
    refused({ reapInterval: Infinity }, 'options.reapInterval must be a number of seconds above 0 and at most 2147483, got Infinity');
    refused({ maxBatch: 0 }, 'options.maxBatch must be an integer from 1 to 4096, got 0');
    refused({ maxBatch: 4097 }, 'options.maxBatch must be an integer from 1 to 4096, got 4097');
    refused({ batchDelayMs: -1 }, 'options.batchDelayMs must be a number of milliseconds from 0 to 2147483647, got -1');
    refused({ batchDelayMs: NaN }, 'options.batchDelayMs must be a number of milliseconds from 0 to 2147483647, got NaN');
    refused({ tasksPerWorker: 0 }, 'options.tasksPerWorker must be an integer from 1 to 256, got 0');
    refused({ log: 'stderr' as unknown as () => void }, 'options.log must be a function, got "stderr"');
    refused({ workerExecArgv: '--no-warnings' as unknown as string[] }, `options.workerExecArgv must be an array of strings (Node's options for the workers), got "--no-warnings"`);
    refused({ workerExecArgv: [1] as unknown as string[] }, `options.workerExecArgv must be an array of strings (Node's options for the workers), got 1`);
    refused({ idleTimeout: 10 } as Partial<EngineOptions>, `unknown option 'idleTimeout'`);
    refused({ minThreads: 1 } as Partial<EngineOptions>, `unknown option 'minThreads'`);
    assert.throws(() => openEngine(null as unknown as EngineOptions), /^UsageError: openEngine needs an options object$/);
  });

  it("refuses bad Policy options with the Policy's messages", () => {
    refused({ gcPause: 0 }, 'options.gcPause must be a positive integer, got 0');
    refused({ maxSparePerMaster: -1 }, 'options.maxSparePerMaster must be a non-negative integer, got -1');
    refused({ onError: 'panic' as 'tempfail' }, `options.onError must be 'continue' or 'tempfail', got "panic"`);
    refused({ engine: 'lua53' as 'lua51' }, `unknown engine 'lua53': expected one of luajit, lua51`);
    refused({ scripts: [] }, 'options.scripts must be a non-empty array of { name, path } or { name, source }');
    refused({ dnsServers: '192.0.2.53' as unknown as string[] }, 'options.dnsServers must be an array of "ip" or "ip:port" strings');
    refused({ gc_pause: 1 } as Partial<EngineOptions>, `unknown option 'gc_pause'`);
  });

  it('compiles the scripts on the calling thread: a script that does not load fails openEngine', () => {
    assert.throws(
      () => openEngine({ scripts: [{ name: 't', source: 'this is not lua' }], threads: 1 }),
      (e: unknown) => e instanceof LoadError && e.code === 'ERR_SCRIPTLET_LOAD' && /cannot load script 't'/.test(e.message),
    );
    assert.throws(() => openEngine({ scripts: [{ name: 't', path: '/nonexistent/x.lua' }], threads: 1 }), /cannot read \/nonexistent\/x\.lua/);
  });

  it('checks run-time tuning with the messages Policy.configure uses', async () => {
    const engine = openEngine({ scripts, threads: 1, reapInterval: 5, gcPause: 150 });
    try {
      await assert.rejects(engine.configure({ gcStepmul: 0 }), /^UsageError: tuning\.gcStepmul must be a positive integer, got 0$/);
      await assert.rejects(engine.configure({ reapInterval: -2 }), /^UsageError: tuning\.reapInterval must be a number of seconds above 0 and at most 2147483, got -2$/);
      await assert.rejects(engine.configure({ threads: 3 } as object), /^UsageError: unknown option 'threads'$/);
      assert.deepEqual(engine.tuning, { gcPause: 150, reapInterval: 5 }, 'nothing refused was applied');
      assert.equal(engine.threads, 1);
    } finally {
      await engine.close();
    }
  });

  it('starts its workers with the Node options given; ones Node refuses fail openEngine, named as the option', async () => {
    const engine = openEngine({ scripts, threads: 1, workerExecArgv: ['--no-warnings'] });
    try {
      assert.equal((await engine.run('connect', {})).action, 'continue');
    } finally {
      await engine.close();
    }
    refused({ threads: 1, workerExecArgv: ['--no-such-node-option'] }, 'options.workerExecArgv: Initiated Worker with invalid execArgv flags: --no-such-node-option');
  });

  it("gives the workers the process's Node options unless told others; from src/, tsx besides", () => {
    assert.deepEqual(workerNodeOptions('/pkg/dist/src/pool/worker.js', undefined), {}, 'inherited, as Node does for any Worker');
    assert.deepEqual(workerNodeOptions('/pkg/dist/src/pool/worker.js', []), { execArgv: [] });
    const fromSource = workerNodeOptions('/pkg/src/pool/worker.ts', ['--no-warnings']).execArgv!;
    assert.deepEqual(fromSource.slice(0, 2), ['--no-warnings', '--import']);
    assert.match(fromSource[2]!, /^file:.*\/tsx\//);
  });

  it('defaults to one worker per CPU', async () => {
    const engine = openEngine({ scripts, threads: 0 });
    assert.equal(engine.threads, os.availableParallelism());
    await engine.close();
  });

  it('maps a scriptlet configuration scope onto the engine (threads, reap_interval, tuning)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-pool-'));
    fs.mkdirSync(path.join(dir, 'default'));
    fs.writeFileSync(path.join(dir, 'default', 'p.lua'), scripts[0]!.source);
    fs.writeFileSync(
      path.join(dir, 'ecelerity.conf'),
      'alerting { }\nscriptlet "scriptlet" {\n  threads = 1\n  reap_interval = 7\n  gc_pause = 120\n  script "t" { source = "p" }\n}\n',
    );
    const engine = engineFromConfig(loadScriptletConfig(path.join(dir, 'ecelerity.conf')), { log: () => {} });
    try {
      assert.equal(engine.threads, 1);
      assert.equal(engine.tuning.reapInterval, 7);
      assert.equal(engine.tuning.gcPause, 120);
      await engine.ready();
      const stats = await engine.stats();
      assert.equal(stats.workers.length, 1);
      assert.equal(stats.workers[0]!.reapInterval, 7);
      assert.deepEqual(stats.workers[0]!.policies[0]!.gc, { pause: 120, stepmul: 200 });
    } finally {
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
