// The configuration API: the ecelerity.conf language and the scriptlet scope.

export { CONFIG_ERROR_CODE, ConfigError, ConfigValueError, formatProblem, type Problem } from './errors.js';
export { parseConfig, parseConfigFile } from './read.js';
export { printConfig, printValue } from './printer.js';
export {
  describeValue,
  findOptions,
  findScopes,
  getOption,
  sameName,
  scalarText,
  scopeLabel,
  stripOrigins,
  type ConfigDict,
  type ConfigDictEntry,
  type ConfigInteger,
  type ConfigList,
  type ConfigNode,
  type ConfigOption,
  type ConfigScope,
  type ConfigString,
  type ConfigValue,
  type ConfigWord,
  type Origin,
} from './tree.js';
export {
  DEFAULT_SCRIPTLET_OPTIONS,
  SCRIPTLET_OPTION_KEYS,
  SCRIPTLET_OPTION_SPECS,
  validateScriptletOption,
  type OnError,
  type RuntimeOptionContext,
  type ScriptletOptionKey,
  type ScriptletOptionName,
  type ScriptletOptions,
  type ScriptletOptionSpec,
} from './scriptlet-options.js';
export {
  loadScriptletConfig,
  scriptletConfigFromTree,
  type LoadScriptletOptions,
  type ScriptletConfig,
  type ScriptletScript,
} from './scriptlet-config.js';
export { effectiveSearchPath } from './resolve-scripts.js';
export { packageScriptletsDir } from './package-root.js';
