// The policy editor's rules document: the source of truth that the UI edits
// and the generator turns into Lua (see /docs/policy-editor.md). Kept as
// plain JSON beside the generated script.

export const EDITOR_PHASES = ['connect', 'ehlo', 'mailfrom', 'rcptto', 'data', 'each_rcpt', 'set_binding'] as const;
export type EditorPhase = (typeof EDITOR_PHASES)[number];

export interface RulesDocument {
  version: 1;
  phases: Partial<Record<EditorPhase, Statement[]>>;
}

export type Statement = IfStatement | AssignStatement | ActionStatement | CustomStatement;

export interface IfStatement {
  id: string;
  type: 'if';
  match: 'all' | 'any';
  conditions: Condition[];
  then: Statement[];
  otherwise: Statement[];
  note?: string;
}

export interface AssignStatement {
  id: string;
  type: 'assign';
  variable: string;
  value: string;
}

export interface ActionStatement {
  id: string;
  type: 'action';
  action: string;
  params: Record<string, string>;
}

export interface CustomStatement {
  id: string;
  type: 'custom';
  code: string;
}

export interface Condition {
  fn: string;
  args: Record<string, string>;
  operator: string;
  value: string;
}

export const EMPTY_RULES: RulesDocument = { version: 1, phases: {} };

/** A rules document that cannot be generated: what is wrong, and the id of the statement at fault. */
export class RulesError extends Error {
  readonly path: string | undefined;
  constructor(message: string, path?: string) {
    super(message);
    this.name = 'RulesError';
    this.path = path;
  }
}

/**
 * The document as canonical JSON (keys sorted, two-space indent, a final
 * newline): what is saved, hashed and diffed, so that the same rules always
 * give the same bytes whatever order the UI sent the keys in.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** Every statement of the document, depth first, with its phase. */
export function* allStatements(doc: RulesDocument): Generator<{ phase: EditorPhase; statement: Statement }> {
  for (const phase of EDITOR_PHASES) {
    const walk = function* (list: Statement[]): Generator<{ phase: EditorPhase; statement: Statement }> {
      for (const statement of list) {
        yield { phase, statement };
        if (statement.type === 'if') {
          yield* walk(statement.then);
          yield* walk(statement.otherwise);
        }
      }
    };
    yield* walk(doc.phases[phase] ?? []);
  }
}
