// An accessible tab list (WAI-ARIA tabs pattern): arrow keys, Home and End
// move between tabs; the selected tab alone is in the tab order.

import { h } from './dom.js';

export interface Tabs {
  element: HTMLElement;
  select(id: string): void;
  /** Replaces the text of a tab (e.g. to show a count). */
  setLabel(id: string, label: string): void;
}

export function tabs(label: string, items: { id: string; label: string }[], panelId: string, onselect: (id: string) => void): Tabs {
  const list = h('div', { role: 'tablist', 'aria-label': label, class: 'tablist' });
  const buttons = items.map((it) => {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${panelId}-${it.id}`, 'aria-controls': panelId, 'data-tab': it.id }, it.label);
    b.addEventListener('click', () => select(it.id));
    b.addEventListener('keydown', (e) => {
      const i = buttons.indexOf(b);
      const to = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : null;
      if (to === null) return;
      e.preventDefault();
      const next = buttons[(to + buttons.length) % buttons.length]!;
      next.focus();
      select(next.dataset.tab!);
    });
    list.append(b);
    return b;
  });

  function select(id: string): void {
    for (const b of buttons) {
      const on = b.dataset.tab === id;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on) document.getElementById(panelId)?.setAttribute('aria-labelledby', b.id);
    }
    onselect(id);
  }

  return {
    element: list,
    select,
    setLabel(id, text) {
      const b = buttons.find((x) => x.dataset.tab === id);
      if (b) b.textContent = text;
    },
  };
}
