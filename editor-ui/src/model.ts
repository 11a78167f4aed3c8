// The rules document being edited, and the structural edits the screens
// offer on a list of statements: add, move up/down, duplicate, delete.
// Statement ids are "r<n>", unique in the document, kept across saves.

import type { Catalog, Condition, Phase, RulesDocument, Statement } from './api.js';

export type StatementType = Statement['type'];

/** Every statement of a document, nested ones included. */
export function* walk(list: Statement[]): Generator<Statement> {
  for (const s of list) {
    yield s;
    if (s.type === 'if') {
      yield* walk(s.then);
      yield* walk(s.otherwise);
    }
  }
}

export class IdMaker {
  private next = 1;

  /** Starts after the highest "r<n>" of the document, so loaded ids are never reused. */
  reset(doc: RulesDocument): void {
    this.next = 1;
    for (const list of Object.values(doc.phases)) {
      for (const s of walk(list ?? [])) {
        const n = /^r(\d+)$/.exec(s.id);
        if (n) this.next = Math.max(this.next, Number(n[1]) + 1);
      }
    }
  }

  make(): string {
    return `r${this.next++}`;
  }
}

export function phaseList(doc: RulesDocument, phase: Phase): Statement[] {
  return (doc.phases[phase] ??= []);
}

/** A new statement of `type`, with the catalog's first function or action picked for the phase. */
export function newStatement(type: StatementType, ids: IdMaker, catalog: Catalog, phase: Phase): Statement {
  const id = ids.make();
  switch (type) {
    case 'if':
      return { id, type: 'if', match: 'all', conditions: [newCondition(catalog, phase)], then: [], otherwise: [] };
    case 'assign':
      return { id, type: 'assign', variable: '', value: '' };
    case 'custom':
      return { id, type: 'custom', code: '' };
    case 'action': {
      const action = actionsFor(catalog, phase)[0];
      return { id, type: 'action', action: action?.name ?? '', params: {} };
    }
  }
}

export function newCondition(catalog: Catalog, phase: Phase): Condition {
  const fn = functionsFor(catalog, phase)[0];
  const op = fn ? catalog.operators[fn.kind][0] : undefined;
  return { fn: fn?.name ?? '', args: {}, operator: op?.id ?? '', value: '' };
}

/** The catalog's functions that can be read in `phase` (one without `phases` can be read everywhere). */
export function functionsFor(catalog: Catalog, phase: Phase): Catalog['functions'] {
  return catalog.functions.filter((f) => !f.phases || f.phases.includes(phase));
}

/** The catalog's actions allowed in `phase` (an action without `phases` is allowed everywhere). */
export function actionsFor(catalog: Catalog, phase: Phase): Catalog['actions'] {
  return catalog.actions.filter((a) => !a.phases || a.phases.includes(phase));
}

/** Moves `list[index]` by `delta` places; false when it would leave the list. */
export function move(list: Statement[], index: number, delta: -1 | 1): boolean {
  const to = index + delta;
  if (to < 0 || to >= list.length) return false;
  const [s] = list.splice(index, 1);
  list.splice(to, 0, s!);
  return true;
}

/** A deep copy of `s` placed right after it, every id in it new. */
export function duplicate(list: Statement[], index: number, ids: IdMaker): Statement {
  const copy = structuredClone(list[index]!);
  for (const s of walk([copy])) s.id = ids.make();
  list.splice(index + 1, 0, copy);
  return copy;
}

export function remove(list: Statement[], index: number): void {
  list.splice(index, 1);
}

/** An empty document of the contract's version. */
export function emptyRules(): RulesDocument {
  return { version: 1, phases: {} };
}
