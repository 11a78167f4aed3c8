// The errors the engine throws or reports. Each is a real Error subclass with
// a stable `code`; script errors also carry module, callout, source:line and
// the Lua traceback. Across a thread boundary they travel as plain data
// (toJSON) and are rebuilt with fromData.

import type { LimitKind } from '../native/types.js';

export class ScriptletError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Wrong use of the API: a bad option, a closed policy, an unknown phase. */
export class UsageError extends ScriptletError {
  constructor(message: string, code = 'ERR_SCRIPTLET_USAGE') {
    super(code, message);
  }
}

/** Where a Lua failure happened. */
export interface ScriptFailure {
  module: string;
  callout: string;
  message: string;
  /** "source:line" of the innermost Lua frame, or "" when unknown. */
  location: string;
  traceback: string;
  /** Set when a guard rail ended the call: the limit it hit (the metric's `kind` label). */
  kind?: LimitKind;
}

/** A callout that raised an error or returned no VALIDATE_* code. */
export class ScriptError extends ScriptletError implements ScriptFailure {
  readonly module: string;
  readonly callout: string;
  readonly location: string;
  readonly traceback: string;
  readonly kind?: LimitKind;

  constructor(failure: ScriptFailure) {
    super(failure.kind ? 'ERR_SCRIPTLET_LIMIT' : 'ERR_SCRIPTLET_SCRIPT', failure.message);
    this.module = failure.module;
    this.callout = failure.callout;
    this.location = failure.location;
    this.traceback = failure.traceback;
    if (failure.kind) this.kind = failure.kind;
  }

  toJSON(): ScriptFailure {
    const { module, callout, message, location, traceback, kind } = this;
    return kind ? { module, callout, message, location, traceback, kind } : { module, callout, message, location, traceback };
  }

  static fromData(data: ScriptFailure): ScriptError {
    return new ScriptError(data);
  }
}

/** What went wrong loading one script (or running its init()). */
export interface LoadFailure {
  script: string;
  message: string;
  location: string;
  traceback: string;
}

/** A script failed to compile, to register its module, or in init(). */
export class LoadError extends ScriptletError implements LoadFailure {
  readonly script: string;
  readonly location: string;
  readonly traceback: string;

  constructor(failure: LoadFailure) {
    const where = failure.location ? `${failure.location}: ` : '';
    const text = failure.location && failure.message.startsWith(failure.location) ? failure.message : where + failure.message;
    super('ERR_SCRIPTLET_LOAD', `cannot load script '${failure.script}': ${text}`);
    this.script = failure.script;
    this.location = failure.location;
    this.traceback = failure.traceback;
  }

  toJSON(): LoadFailure {
    return { script: this.script, message: this.message, location: this.location, traceback: this.traceback };
  }
}
