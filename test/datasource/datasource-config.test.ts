// datasource "NAME" { uri = ( ... ) cache_size cache_life max_rows no_cache }:
// read from the configuration with ds_core's defaults, every problem at its
// file:line:col, and handed to the policy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadScriptletConfig } from '../../src/config/index.js';
import { policyOptionsFromConfig } from '../../src/engine/from-config.js';
import { parseDatasourceUri } from '../../src/datasource/index.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ds-config-'));
  fs.writeFileSync(path.join(dir, 'p.lua'), 'msys.registerModule("p", { validate_data = function() return 0 end })');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function load(extra: string) {
  const file = path.join(dir, 'ecelerity.conf');
  fs.writeFileSync(file, `alerting { }\nscriptlet "scriptlet" { script "p" { source = "p" } }\n${extra}\n`);
  return loadScriptletConfig(file);
}

function problems(extra: string): string[] {
  try {
    load(extra);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('datasource scopes', () => {
  it('reads uri lists and ds_core options, with its defaults (1000 entries, 3600 s, 100 rows)', () => {
    const c = load(`datasource "a" { uri = ( "sqlite:/var/db/a.db" ) }
Datasource "b" { URI = ( "pgsql:host=127.0.0.1 port=5433 dbname=mail user=mta" "pgsql:host=10.0.0.2 dbname=mail" ) cache_size = 50 cache_life = 60 max_rows = -1 no_cache = true }`);
    assert.deepEqual(c.datasources.map(({ origin: _o, ...d }) => d), [
      { name: 'a', uris: ['sqlite:/var/db/a.db'], cacheSize: 1000, cacheLife: 3600, maxRows: 100, noCache: false },
      { name: 'b', uris: ['pgsql:host=127.0.0.1 port=5433 dbname=mail user=mta', 'pgsql:host=10.0.0.2 dbname=mail'], cacheSize: 50, cacheLife: 60, maxRows: -1, noCache: true },
    ]);
    assert.deepEqual(policyOptionsFromConfig(c).datasources?.map((d) => d.name), ['a', 'b']);
  });

  it('takes a relative sqlite path from the configuration file\'s directory', () => {
    const c = load(`datasource "a" { uri = ( "sqlite:data/a.db" ) }`);
    assert.deepEqual(c.datasources[0]!.uris, [`sqlite:${path.join(dir, 'data', 'a.db')}`]);
  });

  it('reports each problem where it is written', () => {
    assert.deepEqual(problems(`datasource { uri = ( "sqlite:/x" ) }`), ['3:1: a datasource needs a name: datasource "NAME" { uri = ( "sqlite:/path/to.db" ) }']);
    assert.deepEqual(problems(`datasource "a" { cache_size = 5 }`), ['3:1: datasource \'a\' has no \'uri\': write uri = ( "sqlite:/path/to.db" ) or uri = ( "pgsql:host=... dbname=..." )']);
    assert.deepEqual(problems(`datasource "a" {\n  uri = ( "mysql:host=x" )\n}`), [
      "4:11: option 'uri': 'mysql:host=x': unknown datasource driver 'mysql': scriptlet has \"sqlite:PATH\" and \"pgsql:host=... dbname=...\"",
    ]);
    assert.deepEqual(problems(`datasource "a" { uri = ( "sqlite:/x" ) cache_life = soon }`), ["3:53: option 'cache_life' expects an integer of 0 or more, found 'soon'"]);
    assert.match(problems(`datasource "a" { uri = ( "sqlite:/x" ) cache_sise = 5 }`)[0]!, /^3:40: invalid configuration option 'cache_sise'/);
    assert.match(problems(`datasource "a" { uri = ( "sqlite:/x" ) }\ndatasource "a" { uri = ( "sqlite:/y" ) }`)[0]!, /^4:1: duplicate datasource 'a': already defined at .*:3:1$/);
  });
});

describe('datasource URIs', () => {
  it('reads pgsql key=value words, spaces or semicolons, quoted values', () => {
    assert.deepEqual(parseDatasourceUri("pgsql:host=db1 port=6432 dbname=mail user=mta password='a b\\'c'"), {
      driver: 'pgsql', host: 'db1', port: 6432, database: 'mail', user: 'mta', password: "a b'c",
    });
    assert.deepEqual(parseDatasourceUri('pgsql:host=db1;dbname=mail;'), { driver: 'pgsql', host: 'db1', database: 'mail' });
    assert.throws(() => parseDatasourceUri('pgsql:host=db1 sslmode=require'), /unknown pgsql key 'sslmode'/);
    assert.throws(() => parseDatasourceUri('pgsql:port=high'), /port must be a positive integer, got 'high'/);
    assert.deepEqual(parseDatasourceUri('sqlite:///var/a.db'), { driver: 'sqlite', path: '/var/a.db' });
  });
});

describe('the datasources option of openPolicy', () => {
  it('refuses a malformed list or URI with a UsageError naming the datasource', async () => {
    const { openPolicy, UsageError } = await import('../../src/index.js');
    const scripts = [{ name: 't', source: 'msys.registerModule("t", { validate_data = function() return 0 end })' }];
    assert.throws(() => openPolicy({ scripts, datasources: [{ name: 'x' }] as never }), (e: Error) => e instanceof UsageError && /options\.datasources must be an array/.test(e.message));
    assert.throws(() => openPolicy({ scripts, datasources: [{ name: 'x', uris: ['ldap://h'] }] }), (e: Error) => e instanceof UsageError && /datasource 'x': 'ldap:\/\/h': unknown datasource driver 'ldap'/.test(e.message));
  });
});
