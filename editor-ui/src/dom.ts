// A small element builder: enough to write the screens as plain functions
// without a framework, with every control given an accessible name.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** `h('button', { class: 'x', onclick: f }, 'Save')`: attributes named `on*` become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
}

/** A <select> of `[value, label]` pairs with `selected` chosen. */
export function select(label: string, options: [string, string][], selected: string, onchange: (value: string) => void, extra: Attrs = {}): HTMLSelectElement {
  const el = h('select', { 'aria-label': label, ...extra });
  for (const [value, text] of options) el.append(h('option', { value, selected: value === selected }, text));
  // A value the catalog no longer offers stays visible rather than silently changing.
  if (selected && !options.some(([v]) => v === selected)) el.append(h('option', { value: selected, selected: true }, `${selected} (not offered here)`));
  el.addEventListener('change', () => onchange(el.value));
  return el;
}

/** A text input that reports each keystroke. */
export function textInput(label: string, value: string, oninput: (value: string) => void, extra: Attrs = {}): HTMLInputElement {
  const el = h('input', { type: 'text', 'aria-label': label, value, spellcheck: 'false', ...extra });
  el.addEventListener('input', () => oninput(el.value));
  return el;
}

export function button(text: string, onclick: () => void, extra: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', onclick: () => onclick(), ...extra }, text);
}

/** Calls `f` once `ms` after the last call. */
export function debounce<A extends unknown[]>(f: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => f(...args), ms);
  };
}
