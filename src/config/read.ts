// Entry points that turn configuration text or files into a complete tree,
// or throw a ConfigError listing every problem.

import * as path from 'node:path';
import { ConfigError } from './errors.js';
import { ConfigReader } from './include.js';
import type { ConfigScope } from './tree.js';

/**
 * Parses configuration text. `file` names it in positions and is the base for
 * relative includes.
 */
export function parseConfig(text: string, file: string): ConfigScope {
  const reader = new ConfigReader();
  const tree = reader.parseText(text, path.resolve(file));
  reader.problems.throwIfAny();
  return tree;
}

/** Reads and parses a configuration file and everything it includes. */
export function parseConfigFile(file: string): ConfigScope {
  const reader = new ConfigReader();
  const tree = reader.parseFile(path.resolve(file));
  if (tree === null || !reader.problems.empty) throw new ConfigError(reader.problems.items);
  return tree;
}
