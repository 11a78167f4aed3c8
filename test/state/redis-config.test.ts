// The redis_cluster scope: read into engine options, defaults filled in by
// the engine; unknown options and bad values are errors with their position.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadScriptletConfig } from '../../src/config/scriptlet-config.js';
import { resolveRedisOptions } from '../../src/state/redis-options.js';
import { tempTree } from '../config/fixtures.js';

function load(t: Parameters<typeof tempTree>[0], scope: string) {
  const dir = tempTree(t, {
    'ecelerity.conf': `alerting { }\n${scope}\nscriptlet "scriptlet" {\n  script "p" { source = "p" }\n}\n`,
    'p.lua': 'local m = {} function m:validate_connect() return 0 end msys.registerModule("p", m)',
  });
  return loadScriptletConfig(path.join(dir, 'ecelerity.conf'));
}

describe('the redis_cluster scope', () => {
  it('gives the engine its servers and options', (t) => {
    const c = load(t, 'Redis_Cluster {\n  servers = ( "127.0.0.1:6379" "[::1]:6380" )\n  mode = cluster\n  flush_interval_ms = 150\n  key_prefix = "mx:"\n}');
    assert.deepEqual(c.redis, { servers: ['127.0.0.1:6379', '[::1]:6380'], mode: 'cluster', flushIntervalMs: 150, keyPrefix: 'mx:' });
    assert.equal(resolveRedisOptions(c.redis!).commandTimeoutMs, 1000);
  });

  it('is absent without the scope', (t) => {
    assert.equal(load(t, '').redis, undefined);
  });

  it('refuses an unknown option, a bad value and a missing servers, with their positions', (t) => {
    assert.throws(() => load(t, 'redis_cluster {\n  servers = ( "127.0.0.1:6379" )\n  flush_intervall_ms = 5\n}'), /ecelerity\.conf:4:3: invalid configuration option 'flush_intervall_ms'/);
    assert.throws(() => load(t, 'redis_cluster {\n  servers = ( "localhost" )\n}'), /ecelerity\.conf:3:13: option 'servers' expects a list of "host:port" addresses/);
    assert.throws(() => load(t, 'redis_cluster {\n  mode = sentinel\n}'), /ecelerity\.conf:2:1: 'redis_cluster' needs servers/);
    assert.throws(() => load(t, 'redis_cluster {\n  servers = ( "127.0.0.1:26379" )\n  mode = sentinel\n}'), /sentinel_master is required/);
  });
});
