// The shape of a rules document as it arrives from the UI (JSON of unknown
// trust): every field checked, each problem named with the statement id at
// fault. What a field means (a known function, an operator that fits it, an
// action allowed in the phase) is checked by the generator, which knows.

import { EDITOR_PHASES, RulesError, type Condition, type RulesDocument, type Statement } from './rules.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_DEPTH = 20;

function stringMap(v: unknown, what: string, id: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new RulesError(`${what} must be an object of strings`, id);
  return v as Record<string, string>;
}

function field(o: Record<string, unknown>, name: string, id: string): string {
  const v = o[name];
  if (typeof v !== 'string') throw new RulesError(`statement ${id}: '${name}' must be a string`, id);
  return v;
}

function condition(v: unknown, id: string, i: number): Condition {
  if (!isObject(v)) throw new RulesError(`statement ${id}: condition ${i + 1} must be an object`, id);
  const fn = field(v, 'fn', id);
  const operator = field(v, 'operator', id);
  const value = v.value === undefined ? '' : field(v, 'value', id);
  return { fn, args: stringMap(v.args, `statement ${id}: condition ${i + 1}'s args`, id), operator, value };
}

function statements(v: unknown, where: string, ids: Set<string>, depth: number): Statement[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new RulesError(`${where} must be a list of statements`);
  if (depth > MAX_DEPTH) throw new RulesError(`${where}: ifs are nested more than ${MAX_DEPTH} deep`);
  return v.map((s) => statement(s, where, ids, depth));
}

function statement(v: unknown, where: string, ids: Set<string>, depth: number): Statement {
  if (!isObject(v)) throw new RulesError(`${where}: a statement must be an object`);
  const id = v.id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) throw new RulesError(`${where}: a statement id must be 1 to 64 letters, digits or _.:-, found ${JSON.stringify(id)}`);
  if (ids.has(id)) throw new RulesError(`statement id ${id} is used twice`, id);
  ids.add(id);
  switch (v.type) {
    case 'if': {
      if (v.match !== 'all' && v.match !== 'any') throw new RulesError(`statement ${id}: match must be "all" or "any"`, id);
      if (!Array.isArray(v.conditions)) throw new RulesError(`statement ${id}: conditions must be a list`, id);
      const note = v.note === undefined ? undefined : field(v, 'note', id);
      return {
        id, type: 'if', match: v.match,
        conditions: v.conditions.map((c, i) => condition(c, id, i)),
        then: statements(v.then, `statement ${id} (then)`, ids, depth + 1),
        otherwise: statements(v.otherwise, `statement ${id} (otherwise)`, ids, depth + 1),
        ...(note !== undefined ? { note } : {}),
      };
    }
    case 'assign':
      return { id, type: 'assign', variable: field(v, 'variable', id), value: field(v, 'value', id) };
    case 'action':
      return { id, type: 'action', action: field(v, 'action', id), params: stringMap(v.params, `statement ${id}: params`, id) };
    case 'custom':
      return { id, type: 'custom', code: field(v, 'code', id) };
    default:
      throw new RulesError(`statement ${id}: type must be if, assign, action or custom, found ${JSON.stringify(v.type)}`, id);
  }
}

/** The document, typed and with only the fields the editor knows; a RulesError otherwise. */
export function parseRulesDocument(v: unknown): RulesDocument {
  if (!isObject(v)) throw new RulesError('rules must be an object { version: 1, phases: { ... } }');
  if (v.version !== 1) throw new RulesError(`rules.version must be 1, found ${JSON.stringify(v.version)}`);
  if (!isObject(v.phases)) throw new RulesError('rules.phases must be an object of phase: [statements]');
  const ids = new Set<string>();
  const phases: RulesDocument['phases'] = {};
  for (const [name, list] of Object.entries(v.phases)) {
    if (!(EDITOR_PHASES as readonly string[]).includes(name)) throw new RulesError(`unknown phase '${name}' (phases: ${EDITOR_PHASES.join(', ')})`);
    const parsed = statements(list, `phase ${name}`, ids, 0);
    if (parsed.length > 0) phases[name as keyof RulesDocument['phases']] = parsed;
  }
  return { version: 1, phases };
}
