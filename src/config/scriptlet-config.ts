// The `scriptlet` module's view of a configuration: its instance, options in
// force (with where each was set) and its scripts resolved to files.

import * as path from 'node:path';
import { readBindings, type ConfiguredBinding, type ConfiguredBindingGroup } from './bindings.js';
import { readDatasources, type ConfiguredDatasource } from './datasources.js';
import { ConfigError, ProblemList, problemAt } from './errors.js';
import { packageScriptletsDir } from './package-root.js';
import { parseConfigFile } from './read.js';
import { readRedisCluster } from './redis-cluster-scope.js';
import type { RedisStateOptions } from '../state/redis-options.js';
import { effectiveSearchPath, resolveSource, sourceFile, sourceSegments } from './resolve-scripts.js';
import { applyOption, defaultOptions, unknownOptionMessage, type ScriptletOptionKey, type ScriptletOptions } from './scriptlet-options.js';
import { describeValue, findScopes, sameName, scalarText, scopeLabel, type ConfigScope, type Origin } from './tree.js';

/** One `script "NAME" { source = "a.b" }`, resolved. */
export interface ScriptletScript {
  name: string;
  source: string;
  /** Absolute path of the `.lua` file. */
  path: string;
  origin: Origin;
}

export interface ScriptletConfig {
  /** Instance name, e.g. "scriptlet". */
  instance: string;
  /** Absolute path of the top configuration file. */
  file: string;
  options: ScriptletOptions;
  origins: Record<ScriptletOptionKey, Origin | 'default'>;
  /** In configuration order. */
  scripts: ScriptletScript[];
  /** The full effective search path, absolute. */
  searchPath: string[];
  /** The whole parsed tree, for the host (other modules' scopes). */
  tree: ConfigScope;
  /** The top-level `binding` scopes and those of `binding_group`s, in order (msg:binding). */
  bindings: ConfiguredBinding[];
  /** The `binding_group` scopes (msg:binding_group). */
  bindingGroups: ConfiguredBindingGroup[];
  /** The top-level `datasource` scopes (msys.db). */
  datasources: ConfiguredDatasource[];
  /** The redis_cluster scope, when there is one: where replicate = "cluster" series count (docs/scale-out.md). */
  redis?: RedisStateOptions;
}

export interface LoadScriptletOptions {
  /** The package's `scriptlets/` directory; found next to this module by default. */
  scriptletsDir?: string;
}

/** Reads a configuration file and returns the scriptlet module's configuration. */
export function loadScriptletConfig(file: string, opts: LoadScriptletOptions = {}): ScriptletConfig {
  const absolute = path.resolve(file);
  return scriptletConfigFromTree(parseConfigFile(absolute), absolute, opts);
}

/** The scriptlet configuration of an already parsed tree whose top file is `file`. */
export function scriptletConfigFromTree(tree: ConfigScope, file: string, opts: LoadScriptletOptions = {}): ScriptletConfig {
  const problems = new ProblemList();
  const scopes = findScopes(tree, 'scriptlet');
  const first = scopes[0];
  if (!first) {
    throw new ConfigError([problemAt(tree.origin, `the configuration has no 'scriptlet' scope: add scriptlet "scriptlet" { ... }`)]);
  }
  const instance = instanceName(first);
  checkInstances(scopes, problems);
  if (findScopes(tree, 'alerting').length === 0) {
    problems.add(first.origin, `the 'scriptlet' module requires the 'alerting' module to be configured`);
  }
  const settings = defaultOptions();
  const stanzas: ScriptStanza[] = [];
  for (const scope of scopes) readScope(scope, settings, stanzas, problems);

  const searchPath = effectiveSearchPath(file, settings.options.searchPath, opts.scriptletsDir ?? packageScriptletsDir());
  const scripts = resolveScripts(stanzas, searchPath, problems);
  const { bindings, bindingGroups } = readBindings(tree, problems);
  const datasources = readDatasources(tree, problems);
  const redis = readRedisCluster(tree, problems);
  problems.throwIfAny();
  return { instance, file, options: settings.options, origins: settings.origins, scripts, searchPath, tree, bindings, bindingGroups, datasources, ...(redis ? { redis } : {}) };
}

interface ScriptStanza {
  name: string;
  source: string;
  origin: Origin;
  sourceOrigin: Origin;
}

/** `scriptlet { }` is the instance named after the module, as in Momentum. */
function instanceName(scope: ConfigScope): string {
  return scope.instance ?? 'scriptlet';
}

function checkInstances(scopes: ConfigScope[], problems: ProblemList): void {
  const first = scopes[0];
  if (!first) return;
  const name = instanceName(first);
  for (const scope of scopes.slice(1)) {
    const other = instanceName(scope);
    if (other === name) continue;
    const { file, line, col } = first.origin;
    problems.add(
      scope.origin,
      `only one scriptlet instance is allowed: instance ${JSON.stringify(other)} conflicts with instance ${JSON.stringify(name)} at ${file}:${line}:${col}`,
    );
  }
}

function readScope(scope: ConfigScope, settings: ReturnType<typeof defaultOptions>, stanzas: ScriptStanza[], problems: ProblemList): void {
  for (const node of scope.body) {
    if (node.kind === 'scope') {
      if (sameName(node.name, 'script')) readScript(node, stanzas, problems);
      else problems.add(node.origin, `unexpected scope '${node.name}' in '${scopeLabel(scope)}': only script "NAME" { source = "..." } belongs here`);
    } else if (sameName(node.name, 'script')) {
      problems.add(node.origin, `'${node.name}' must be a scope: script "NAME" { source = "..." }`);
    } else {
      applyOption(settings, node, problems);
    }
  }
}

function readScript(scope: ConfigScope, stanzas: ScriptStanza[], problems: ProblemList): void {
  if (scope.instance === null || scope.instance === '') {
    problems.add(scope.origin, `a script needs a name: script "NAME" { source = "..." }`);
    return;
  }
  const name = scope.instance;
  let source: { text: string; origin: Origin } | undefined;
  for (const node of scope.body) {
    if (node.kind === 'scope') {
      problems.add(node.origin, `unexpected scope '${node.name}' in script '${name}': a script takes only 'source = "..."'`);
    } else if (!sameName(node.name, 'source')) {
      problems.add(node.origin, unknownOptionMessage(node.name, ['source']));
    } else {
      const text = scalarText(node.value);
      if (text === undefined) {
        problems.add(node.value.origin, `option '${node.name}' expects a module name such as "msys.boot", found ${describeValue(node.value)}`);
      } else {
        source = { text, origin: node.value.origin };
      }
    }
  }
  const earlier = stanzas.find((s) => s.name === name);
  if (earlier) {
    const { file, line, col } = earlier.origin;
    problems.add(scope.origin, `duplicate script '${name}': already defined at ${file}:${line}:${col}`);
  } else if (!source) {
    problems.add(scope.origin, `script '${name}' has no 'source' option: write source = "a.b" for a/b.lua`);
  } else {
    stanzas.push({ name, source: source.text, origin: scope.origin, sourceOrigin: source.origin });
  }
}

function resolveScripts(stanzas: ScriptStanza[], searchPath: string[], problems: ProblemList): ScriptletScript[] {
  const scripts: ScriptletScript[] = [];
  for (const stanza of stanzas) {
    const segments = sourceSegments(stanza.source);
    if (!Array.isArray(segments)) {
      problems.add(stanza.sourceOrigin, `script '${stanza.name}': ${segments.error}`);
      continue;
    }
    const found = resolveSource(segments, searchPath);
    if ('path' in found) {
      scripts.push({ name: stanza.name, source: stanza.source, path: found.path, origin: stanza.origin });
    } else {
      problems.add(
        stanza.sourceOrigin,
        `script '${stanza.name}': source '${stanza.source}' not found: no ${sourceFile(segments)} in ${found.tried.join(', ')}`,
      );
    }
  }
  return scripts;
}
