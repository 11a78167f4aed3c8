// "Did you mean ...?": the known name nearest to a misspelt one. Serves the
// configuration's unknown options and the command line's unknown flags and
// commands, so that both suggest alike.

/** Edits (insert, delete, substitute, swap two neighbours) that turn a into b. */
export function editDistance(a: string, b: string): number {
  // d[i][j]: distance between the first i letters of a and the first j of b.
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** At most this many edits... */
const MAX_EDITS = 3;
/** ...and fewer than this share of the longer name's letters: 'nope' is no typo of 'on_error'. */
const MAX_EDITED_SHARE = 0.6;

/**
 * The candidate nearest to `name` (ignoring case) when it is near enough to
 * be what was meant; the first of equals; undefined when none is.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; edits: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const edits = editDistance(wanted, candidate.toLowerCase());
    const longer = Math.max(wanted.length, candidate.length);
    if (edits > MAX_EDITS || edits >= longer * MAX_EDITED_SHARE) continue;
    if (!best || edits < best.edits) best = { name: candidate, edits };
  }
  return best?.name;
}

/** "; did you mean 'gc_pause'?" after a message about `name`, or "" when nothing is near; `show` writes the name found. */
export function didYouMean(name: string, candidates: Iterable<string>, show = (near: string) => near): string {
  const near = closestName(name, candidates);
  return near === undefined ? '' : `; did you mean '${show(near)}'?`;
}
