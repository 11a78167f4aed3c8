// The history pane: every saved revision (who, when, summary); opening one
// shows the diffs of its rules and of its Lua against the revision before,
// and offers to roll back to it (a new revision equal to that one).

import { api, type HistoryEntry } from './api.js';
import { button, h } from './dom.js';

export interface HistoryHost {
  /** The revision the editor has open (the base of a rollback). */
  revision(): number;
  /** After a rollback: reload the policy into the editor. */
  rolledBack(revision: number): Promise<void>;
  error(message: string): void;
}

export function historyPane(host: HistoryHost): { element: HTMLElement; refresh(): Promise<void> } {
  const list = h('ol', { class: 'history-list', 'aria-label': 'Revisions, newest first' });
  const detail = h('div', { class: 'history-detail', 'aria-live': 'polite' });

  async function open(entry: HistoryEntry): Promise<void> {
    for (const b of list.querySelectorAll('button[aria-current]')) b.removeAttribute('aria-current');
    list.querySelector(`button[data-revision="${entry.revision}"]`)?.setAttribute('aria-current', 'true');
    try {
      const rev = await api.revision(entry.revision);
      const rollback = button(`Roll back to revision ${rev.revision}`, async () => {
        rollback.disabled = true;
        try {
          const done = await api.rollback(rev.revision, host.revision());
          await host.rolledBack(done.revision);
        } catch (err) {
          host.error((err as Error).message);
        } finally {
          rollback.disabled = false;
        }
      }, { class: 'primary' });
      detail.replaceChildren(
        h('h3', {}, `Revision ${rev.revision}`),
        h('p', { class: 'muted' }, `${rev.author || 'unknown'}, ${new Date(rev.time).toLocaleString()}`),
        rev.revision === host.revision() ? h('p', { class: 'muted' }, 'This is the revision open in the editor.') : rollback,
        h('h4', {}, 'Rules'),
        diffView(rev.rulesDiff, `Rules diff of revision ${rev.revision}`),
        h('h4', {}, 'Generated Lua'),
        diffView(rev.luaDiff, `Lua diff of revision ${rev.revision}`),
      );
    } catch (err) {
      host.error((err as Error).message);
    }
  }

  async function refresh(): Promise<void> {
    let entries: HistoryEntry[];
    try {
      entries = await api.history();
    } catch (err) {
      host.error((err as Error).message);
      return;
    }
    list.replaceChildren(...entries.map((e) =>
      h('li', {}, button(`r${e.revision} · ${e.author || 'unknown'} · ${new Date(e.time).toLocaleString()} — ${e.summary}`, () => void open(e), { class: 'history-entry', 'data-revision': e.revision, 'aria-label': `Revision ${e.revision}: ${e.summary}` }))));
    if (!entries.length) list.append(h('li', { class: 'muted' }, 'Nothing saved yet.'));
    detail.replaceChildren();
  }

  return { element: h('section', { class: 'history', 'aria-label': 'History' }, list, detail), refresh };
}

/** A unified diff, its added and removed lines coloured (and marked for screen readers by their +/-). */
function diffView(diff: string, label: string): HTMLElement {
  const pre = h('pre', { class: 'diff', 'aria-label': label, tabindex: 0 });
  if (!diff.trim()) {
    pre.textContent = '(no change)';
    return pre;
  }
  let inHunk = false; // "--- x" before the first @@ names a file; inside a hunk it is a removed "-- x"
  for (const line of diff.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('@@')) inHunk = true;
    const kind = line.startsWith('@@') ? 'hunk' : !inHunk ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx';
    pre.append(h('span', { class: `diff-${kind}` }, line), '\n');
  }
  return pre;
}
