// Problems found while reading a configuration, and the error that carries
// them. A load either returns a complete configuration or throws one
// ConfigError holding every problem found, each with its position.

import type { Origin } from './tree.js';

/** One problem: where it is and what was expected / found. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export const CONFIG_ERROR_CODE = 'ERR_SCRIPTLET_CONFIG';

/** `file:line:col: message`, the one-line form used everywhere. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

export function problemAt(origin: Origin, message: string): Problem {
  return { file: origin.file, line: origin.line, col: origin.col, message };
}

/** Thrown by every config entry point; `problems` lists all of them. */
export class ConfigError extends Error {
  readonly code = CONFIG_ERROR_CODE;
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(summarise(problems));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Thrown by run-time option validation (`config set`), where the value has no
 * position in a file. The message is the same text a file would produce.
 */
export class ConfigValueError extends Error {
  readonly code = CONFIG_ERROR_CODE;
  readonly option: string;

  constructor(option: string, message: string) {
    super(message);
    this.name = 'ConfigValueError';
    this.option = option;
  }
}

function summarise(problems: Problem[]): string {
  if (problems.length === 0) return 'invalid configuration';
  return problems.map(formatProblem).join('\n');
}

/** Collects problems, with a cap so that a binary file cannot flood output. */
export class ProblemList {
  static readonly MAX = 1000;
  readonly items: Problem[] = [];
  private truncated = false;

  add(origin: Origin, message: string): void {
    if (this.items.length < ProblemList.MAX) {
      this.items.push(problemAt(origin, message));
    } else if (!this.truncated) {
      this.truncated = true;
      this.items.push(problemAt(origin, `too many problems; stopped after ${ProblemList.MAX}`));
    }
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Throws a ConfigError if anything was collected. */
  throwIfAny(): void {
    if (!this.empty) throw new ConfigError(this.items);
  }
}
