// Momentum's ds_core caches, top level beside the scriptlet scope, as
// msys.db names them:
//
//   datasource "users" {
//     uri = ( "sqlite:/var/db/users.db" )           # or "pgsql:host=... dbname=..."
//     cache_size = 1000   cache_life = 3600   max_rows = 100   no_cache = false
//   }
//
// A relative sqlite path is taken from the configuration file's directory.

import * as path from 'node:path';
import { parseDatasourceUri } from '../datasource/uri.js';
import type { DatasourceConfig } from '../datasource/datasource.js';
import type { ProblemList } from './errors.js';
import { unknownOptionMessage } from './scriptlet-options.js';
import { describeValue, sameName, scalarText, type ConfigOption, type ConfigScope, type Origin } from './tree.js';

export interface ConfiguredDatasource extends Required<DatasourceConfig> {
  origin: Origin;
}

const OPTIONS = ['uri', 'cache_size', 'cache_life', 'max_rows', 'no_cache'];

/** The top-level datasource scopes of a tree; problems for unnamed, duplicate and malformed ones. */
export function readDatasources(tree: ConfigScope, problems: ProblemList): ConfiguredDatasource[] {
  const out: ConfiguredDatasource[] = [];
  for (const node of tree.body) {
    if (node.kind !== 'scope' || !sameName(node.name, 'datasource')) continue;
    const ds = readOne(node, problems);
    if (!ds) continue;
    const earlier = out.find((d) => d.name === ds.name);
    if (earlier) {
      const o = earlier.origin;
      problems.add(node.origin, `duplicate datasource '${ds.name}': already defined at ${o.file}:${o.line}:${o.col}`);
    } else {
      out.push(ds);
    }
  }
  return out;
}

function readOne(scope: ConfigScope, problems: ProblemList): ConfiguredDatasource | null {
  if (scope.instance === null || scope.instance === '') {
    problems.add(scope.origin, 'a datasource needs a name: datasource "NAME" { uri = ( "sqlite:/path/to.db" ) }');
    return null;
  }
  const ds: ConfiguredDatasource = { name: scope.instance, uris: [], cacheSize: 1000, cacheLife: 3600, maxRows: 100, noCache: false, origin: scope.origin };
  let haveUri = false;
  const before = problems.items.length;
  for (const node of scope.body) {
    if (node.kind === 'scope') {
      problems.add(node.origin, `unexpected scope '${node.name}' in datasource '${ds.name}': a datasource takes only options (${OPTIONS.join(', ')})`);
      continue;
    }
    const name = node.name.toLowerCase();
    if (name === 'uri') {
      haveUri = true;
      ds.uris = readUris(node, scope.origin.file, problems);
    } else if (name === 'cache_size') {
      ds.cacheSize = integer(node, 0, problems) ?? ds.cacheSize;
    } else if (name === 'cache_life') {
      ds.cacheLife = integer(node, 0, problems) ?? ds.cacheLife;
    } else if (name === 'max_rows') {
      ds.maxRows = integer(node, -1, problems) ?? ds.maxRows;
    } else if (name === 'no_cache') {
      ds.noCache = boolean(node, problems) ?? ds.noCache;
    } else {
      problems.add(node.origin, unknownOptionMessage(node.name, OPTIONS));
    }
  }
  if (!haveUri) problems.add(scope.origin, `datasource '${ds.name}' has no 'uri': write uri = ( "sqlite:/path/to.db" ) or uri = ( "pgsql:host=... dbname=..." )`);
  return problems.items.length === before ? ds : null;
}

function readUris(node: ConfigOption, file: string, problems: ProblemList): string[] {
  const values = node.value.kind === 'list' ? node.value.items : [node.value];
  const out: string[] = [];
  for (const v of values) {
    const text = scalarText(v);
    if (text === undefined) {
      problems.add(v.origin, `option 'uri' expects a list of URIs such as ( "sqlite:/path/to.db" ), found ${describeValue(v)}`);
      continue;
    }
    try {
      const target = parseDatasourceUri(text);
      out.push(target.driver === 'sqlite' && !path.isAbsolute(target.path) ? `sqlite:${path.resolve(path.dirname(file), target.path)}` : text);
    } catch (err) {
      problems.add(v.origin, `option 'uri': ${(err as Error).message}`);
    }
  }
  if (values.length === 0) problems.add(node.value.origin, "option 'uri' needs at least one URI");
  return out;
}

function integer(node: ConfigOption, min: number, problems: ProblemList): number | undefined {
  if (node.value.kind === 'integer' && node.value.value >= min) return node.value.value;
  problems.add(node.value.origin, `option '${node.name}' expects an integer of ${min} or more, found ${describeValue(node.value)}`);
  return undefined;
}

function boolean(node: ConfigOption, problems: ProblemList): boolean | undefined {
  const text = scalarText(node.value)?.toLowerCase();
  if (text === 'true' || text === 'yes' || text === '1') return true;
  if (text === 'false' || text === 'no' || text === '0') return false;
  problems.add(node.value.origin, `option '${node.name}' expects true or false, found ${describeValue(node.value)}`);
  return undefined;
}
