// The back end's HTTP API, as /work/editor-contract.md defines it (see
// docs/policy-editor.md). Every call is same-origin, so the browser sends the
// basic-auth credentials the page was opened with.

export type Phase = 'connect' | 'ehlo' | 'mailfrom' | 'rcptto' | 'data' | 'each_rcpt' | 'set_binding';

export interface Condition { fn: string; args: Record<string, string>; operator: string; value: string }
export interface IfStatement { id: string; type: 'if'; match: 'all' | 'any'; conditions: Condition[]; then: Statement[]; otherwise: Statement[]; note?: string }
export interface AssignStatement { id: string; type: 'assign'; variable: string; value: string }
export interface ActionStatement { id: string; type: 'action'; action: string; params: Record<string, string> }
export interface CustomStatement { id: string; type: 'custom'; code: string }
export type Statement = IfStatement | AssignStatement | ActionStatement | CustomStatement;
export interface RulesDocument { version: 1; phases: Partial<Record<Phase, Statement[]>> }

/** An argument or parameter: `optional` ones may stay empty (the placeholder shows the default); `regex` ones are PCRE patterns. */
export interface Field { name: string; label: string; placeholder?: string; optional?: boolean; regex?: boolean }
export type Kind = 'numeric' | 'string' | 'boolean';
export interface CatalogFunction { name: string; label: string; kind: Kind; args: Field[]; phases?: Phase[] }
export interface CatalogOperator { id: string; label: string; regex?: boolean }
export interface CatalogAction { name: string; label: string; phases?: Phase[]; params: Field[] }
export interface Catalog {
  phases: { id: Phase; label: string }[];
  functions: CatalogFunction[];
  operators: Record<Kind, CatalogOperator[]>;
  actions: CatalogAction[];
}

export interface Policy { rules: RulesDocument; revision: number; lua: string }
export interface Envelope { mailfrom: string; rcptto: string[]; clientIp: string; ehlo: string }
export interface PhaseResult { phase: Phase; verdict: { code?: number; text?: string; disposition: string }; fired: string[] }
export interface TestResult {
  phases: PhaseResult[];
  headers: { added: [string, string][]; removed: string[] };
  logs: string[];
  /** The final answer to the client (added by the back end; optional so an older one still works). */
  disposition?: { code?: number; text?: string; phase?: string };
  /** Callouts that raised an error. */
  errors?: { module: string; callout: string; message: string }[];
}
export interface HistoryEntry { revision: number; author: string; time: string; summary: string }
export interface Revision { revision: number; author: string; time: string; rules: RulesDocument; rulesDiff: string; luaDiff: string }
export type RegexCheck = { ok: true } | { ok: false; error: string; offset?: number };

/** A refusal from the back end: its HTTP status and `{ error, path? }`. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly path?: string) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, `the editor's server cannot be reached (${(err as Error).message})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(res.status, `${method} ${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const e = json as { error?: string; path?: string };
    throw new ApiError(res.status, e.error ?? `${method} ${url}: HTTP ${res.status}`, e.path);
  }
  return json as T;
}

/** The document without the empty phase lists the tabs create when shown, so that they never show up in a diff. */
export function compact(rules: RulesDocument): RulesDocument {
  const phases: RulesDocument['phases'] = {};
  for (const [phase, list] of Object.entries(rules.phases) as [Phase, Statement[] | undefined][]) if (list?.length) phases[phase] = list;
  return { ...rules, phases };
}

export const api = {
  catalog: () => call<Catalog>('GET', '/api/catalog'),
  policy: () => call<Policy>('GET', '/api/policy'),
  generate: (rules: RulesDocument) => call<{ lua: string }>('POST', '/api/generate', { rules: compact(rules) }),
  validateRegex: (pattern: string) => call<RegexCheck>('POST', '/api/validate-regex', { pattern }),
  test: (rules: RulesDocument, message: string, envelope: Envelope) => call<TestResult>('POST', '/api/test', { rules: compact(rules), message, envelope }),
  save: (rules: RulesDocument, baseRevision: number, author?: string) =>
    call<{ revision: number; lua: string }>('POST', '/api/save', { rules: compact(rules), baseRevision, ...(author ? { author } : {}) }),
  history: () => call<HistoryEntry[]>('GET', '/api/history'),
  revision: (n: number) => call<Revision>('GET', `/api/history/${n}`),
  rollback: (revision: number, baseRevision: number) => call<{ revision: number; lua: string }>('POST', '/api/rollback', { revision, baseRevision }),
};
