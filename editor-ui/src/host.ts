// What the statement and condition screens need from the page around them.

import type { Catalog, Phase } from './api.js';
import type { IdMaker } from './model.js';

export interface StatementHost {
  catalog: Catalog;
  ids: IdMaker;
  /** The tab being edited (actions are offered by phase). */
  phase: Phase;
  /** A value was edited: the generated Lua is out of date. */
  changed(): void;
  /** Statements were added, moved or deleted: redraw the tab, then as `changed`. */
  restructured(): void;
  /** Checks `pattern` with the engine's PCRE and shows the result on `input`. */
  checkRegex(input: HTMLInputElement, pattern: string): void;
  /** Ids of IF statements whose (still empty) OTHERWISE block the user opened. */
  openOtherwise: Set<string>;
}
