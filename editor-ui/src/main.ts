// The policy editor page: loads the catalog and the saved policy, shows one
// tab per phase with its statements, keeps the generated Lua up to date as
// the rules change, and saves, tests and rolls back through the back end.

import { api, ApiError, type Catalog, type Phase, type RulesDocument } from './api.js';
import { button, debounce, h } from './dom.js';
import { historyPane } from './history.js';
import type { StatementHost } from './host.js';
import { luaViewer } from './lua-editor.js';
import { emptyRules, IdMaker, phaseList, walk } from './model.js';
import { statementList } from './statements.js';
import { tabs } from './tabs.js';
import { testPane } from './test-pane.js';

interface State {
  catalog: Catalog;
  rules: RulesDocument;
  revision: number;
  phase: Phase;
  dirty: boolean;
  fired: Set<string>;
}

const root = document.getElementById('app')!;
const banner = h('div', { class: 'banner', role: 'alert', hidden: true });
const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });

function showError(message: string, extra?: HTMLElement): void {
  banner.replaceChildren(h('span', {}, message), extra ?? '', button('Dismiss', () => (banner.hidden = true), { class: 'link', 'aria-label': 'Dismiss the error' }));
  banner.hidden = false;
}

function clearError(): void {
  banner.hidden = true;
}

function say(message: string): void {
  status.textContent = message;
}

async function start(): Promise<void> {
  root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let catalog: Catalog;
  let policy;
  try {
    [catalog, policy] = await Promise.all([api.catalog(), api.policy()]);
  } catch (err) {
    const e = err as ApiError;
    // 409: the script on disk is hand-written or was edited by hand; it is not ours to open.
    const title = e.status === 409 ? 'This policy cannot be opened in the editor' : 'The editor could not load';
    root.replaceChildren(h('main', { class: 'fatal' }, h('h1', {}, title), h('p', { role: 'alert' }, e.message)));
    return;
  }
  const state: State = { catalog, rules: policy.rules ?? emptyRules(), revision: policy.revision, phase: catalog.phases[0]?.id ?? 'data', dirty: false, fired: new Set() };
  build(state, policy.lua);
}

function build(state: State, initialLua: string): void {
  const ids = new IdMaker();
  ids.reset(state.rules);
  const openOtherwise = new Set<string>();

  // Header: revision, author, save.
  const revisionText = h('span', { class: 'revision' });
  const dirtyText = h('span', { class: 'dirty' });
  const author = h('input', { type: 'text', name: 'author', 'aria-label': 'Your name (recorded in the history)', placeholder: 'your name', autocomplete: 'name', value: localStorage.getItem('policy-editor-author') ?? '' });
  author.addEventListener('change', () => localStorage.setItem('policy-editor-author', author.value));
  const saveButton = button('Save', () => void save(), { class: 'primary' });
  const refreshHeader = () => {
    revisionText.textContent = state.revision ? `revision ${state.revision}` : 'nothing saved yet';
    dirtyText.textContent = state.dirty ? '● unsaved changes' : '';
  };

  // Rules: phase tabs over one panel.
  const phasePanel = h('div', { role: 'tabpanel', id: 'phase-panel', class: 'phase-panel', tabindex: 0 });
  const countLabel = (id: Phase) => {
    const label = state.catalog.phases.find((p) => p.id === id)?.label ?? id;
    const n = state.rules.phases[id]?.length ?? 0;
    return n ? `${label} (${n})` : label;
  };
  const phaseTabs = tabs('Phases', state.catalog.phases.map((p) => ({ id: p.id, label: countLabel(p.id) })), 'phase-panel', (id) => {
    state.phase = id as Phase;
    renderPhase();
  });

  const host: StatementHost = {
    catalog: state.catalog,
    ids,
    get phase() {
      return state.phase;
    },
    changed: () => edited(),
    restructured: () => {
      renderPhase();
      edited();
    },
    checkRegex,
    openOtherwise,
  };

  function renderPhase(): void {
    const list = phaseList(state.rules, state.phase);
    const label = state.catalog.phases.find((p) => p.id === state.phase)?.label ?? state.phase;
    phasePanel.replaceChildren(
      list.length ? '' : h('p', { class: 'muted empty' }, `No statements in ${label} yet: add one below.`),
      statementList(host, list, 'top level'),
    );
    markFired();
    markInvalid();
    for (const p of state.catalog.phases) phaseTabs.setLabel(p.id, countLabel(p.id));
  }

  // Generated Lua, regenerated a moment after each edit.
  const luaBox = h('div', { class: 'lua-box' });
  const luaError = h('p', { class: 'error', role: 'alert', hidden: true });
  const lua = luaViewer(luaBox, 'Generated Lua (read-only)');
  lua.set(initialLua);
  let invalidId: string | undefined;
  const regenerate = debounce(async () => {
    try {
      const out = await api.generate(state.rules);
      lua.set(out.lua);
      luaError.hidden = true;
      luaBox.classList.remove('stale');
      invalidId = undefined;
    } catch (err) {
      const e = err as ApiError;
      luaError.textContent = `The Lua cannot be generated: ${e.message}`;
      luaError.hidden = false;
      luaBox.classList.add('stale'); // the Lua of the last rules that could be generated
      invalidId = e.path;
    }
    markInvalid();
  }, 250);

  function edited(): void {
    state.dirty = true;
    state.fired = new Set();
    markFired();
    refreshHeader();
    regenerate();
  }

  function markFired(): void {
    for (const el of phasePanel.querySelectorAll<HTMLElement>('.stmt')) el.classList.toggle('fired', state.fired.has(el.dataset.id!));
    // Tabs holding a rule that fired get a mark too: the test runs every phase.
    for (const p of state.catalog.phases) {
      const fired = [...walk(state.rules.phases[p.id] ?? [])].some((s) => state.fired.has(s.id));
      phaseTabs.element.querySelector(`[data-tab="${p.id}"]`)?.toggleAttribute('data-fired', fired);
    }
  }

  function markInvalid(): void {
    for (const el of phasePanel.querySelectorAll<HTMLElement>('.stmt')) el.classList.toggle('invalid', el.dataset.id === invalidId);
  }

  // Regex values are checked by the engine's PCRE as they are typed.
  const regexTimers = new WeakMap<HTMLInputElement, ReturnType<typeof setTimeout>>();
  function checkRegex(input: HTMLInputElement, pattern: string): void {
    clearTimeout(regexTimers.get(input));
    regexTimers.set(input, setTimeout(async () => {
      let msg = input.nextElementSibling;
      if (!msg?.classList.contains('regex-msg')) {
        msg = h('span', { class: 'regex-msg field-error', role: 'status' });
        input.after(msg);
      }
      if (!pattern) {
        msg.textContent = '';
        input.removeAttribute('aria-invalid');
        return;
      }
      try {
        const r = await api.validateRegex(pattern);
        if (input.value !== pattern) return; // typed on since: a newer check follows
        msg.textContent = r.ok ? '' : `invalid pattern${r.offset !== undefined ? ` at ${r.offset}` : ''}: ${r.error}`;
        input.setAttribute('aria-invalid', String(!r.ok));
        input.classList.toggle('regex-ok', r.ok);
      } catch (err) {
        msg.textContent = `cannot check the pattern: ${(err as Error).message}`;
      }
    }, 200));
  }

  // Side panels: generated Lua, test, history.
  const test = testPane({
    catalog: state.catalog,
    rules: () => state.rules,
    showFired: (fired) => {
      state.fired = fired;
      markFired();
    },
  });
  const history = historyPane({
    revision: () => state.revision,
    rolledBack: async (revision) => {
      await reload();
      say(`Rolled back: revision ${revision} is now running.`);
    },
    error: (m) => showError(m),
  });
  const sidePanel = h('div', { role: 'tabpanel', id: 'side-panel', class: 'side-panel', tabindex: 0 });
  const sideViews: Record<string, HTMLElement> = {
    lua: h('section', { 'aria-label': 'Generated Lua' }, luaError, luaBox),
    test,
    history: history.element,
  };
  const sideTabs = tabs('Tools', [{ id: 'lua', label: 'Generated Lua' }, { id: 'test', label: 'Test' }, { id: 'history', label: 'History' }], 'side-panel', (id) => {
    sidePanel.replaceChildren(sideViews[id]!);
    if (id === 'history') void history.refresh();
  });

  async function save(): Promise<void> {
    saveButton.disabled = true;
    clearError();
    say('Saving…');
    try {
      const out = await api.save(state.rules, state.revision, author.value.trim() || undefined);
      state.revision = out.revision;
      state.dirty = false;
      lua.set(out.lua);
      refreshHeader();
      say(`Saved revision ${out.revision}; the running policy was reloaded.`);
      if (sideTabs.element.querySelector('[aria-selected="true"]')?.getAttribute('data-tab') === 'history') void history.refresh();
    } catch (err) {
      const e = err as ApiError;
      say('');
      if (e.status === 409) {
        showError(`Not saved: ${e.message}`, button('Load the saved policy (drops your changes)', () => void reload(), { class: 'link' }));
      } else {
        showError(`Not saved: ${e.message}`);
        if (e.path) {
          invalidId = e.path;
          markInvalid();
        }
      }
    } finally {
      saveButton.disabled = false;
    }
  }

  async function reload(): Promise<void> {
    try {
      const p = await api.policy();
      state.rules = p.rules ?? emptyRules();
      state.revision = p.revision;
      state.dirty = false;
      state.fired = new Set();
      ids.reset(state.rules);
      openOtherwise.clear();
      lua.set(p.lua);
      clearError();
      refreshHeader();
      renderPhase();
      void history.refresh();
    } catch (err) {
      showError((err as Error).message);
    }
  }

  window.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') {
      e.preventDefault();
      if (!saveButton.disabled) void save();
    }
  });
  window.addEventListener('beforeunload', (e) => {
    if (state.dirty) e.preventDefault();
  });

  root.replaceChildren(
    h('header', { class: 'topbar' },
      h('h1', {}, 'Policy editor'),
      h('span', { class: 'file', title: 'the file the editor owns' }, 'policy/policyeditor.lua'),
      revisionText, dirtyText,
      h('span', { class: 'spacer' }),
      author, h('span', { title: 'Ctrl+S' }, saveButton)),
    banner,
    status,
    h('main', { class: 'layout' },
      h('section', { class: 'rules', 'aria-label': 'Rules' }, phaseTabs.element, phasePanel),
      h('aside', { class: 'side', 'aria-label': 'Tools' }, sideTabs.element, sidePanel)),
  );
  refreshHeader();
  phaseTabs.select(state.phase);
  sideTabs.select('lua');
}

void start();
