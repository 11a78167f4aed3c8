// A unified diff (diff -u format, 3 lines of context) of two texts, line by
// line, from their longest common subsequence. Policies are small (a few
// hundred lines); past MAX_CELLS the whole old text is shown as replaced.

const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function edits(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) return [...a.map((line): Op => ({ kind: '-', line })), ...b.map((line): Op => ({ kind: '+', line }))];
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] as string });
      i++;
      j++;
    } else if (j < m && (i === n || (lcs[i * w + j + 1] as number) >= (lcs[(i + 1) * w + j] as number))) {
      ops.push({ kind: '+', line: b[j++] as string });
    } else {
      ops.push({ kind: '-', line: a[i++] as string });
    }
  }
  return ops;
}

/** "" when the texts are equal. */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string): string {
  const ops = edits(splitLines(before), splitLines(after));
  const changed = ops.map((o, k) => (o.kind !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - CONTEXT);
    let end = (changed[k] as number) + CONTEXT;
    while (k + 1 < changed.length && (changed[k + 1] as number) - CONTEXT <= end + 1) end = (changed[++k] as number) + CONTEXT;
    k++;
    end = Math.min(end, ops.length - 1);
    // Line numbers where the hunk starts in each text.
    let oldLine = 1;
    let newLine = 1;
    for (let x = 0; x < start; x++) {
      if (ops[x]?.kind !== '+') oldLine++;
      if (ops[x]?.kind !== '-') newLine++;
    }
    const hunk = ops.slice(start, end + 1);
    const oldCount = hunk.filter((o) => o.kind !== '+').length;
    const newCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
  }
  return `${out.join('\n')}\n`;
}
