// Small pieces of Lua source the generator writes: string literals, names,
// and values that may refer to script variables ("$name").

const LUA_KEYWORDS = new Set(
  'and break do else elseif end false for function goto if in local nil not or repeat return then true until while'.split(' '),
);

/** A Lua string literal, the same bytes every time (printable ASCII kept, the rest escaped as \ddd). */
export function luaString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += '\\\\';
    else if (ch === 0x0a) out += '\\n';
    else if (ch === 0x0d) out += '\\r';
    else if (ch === 0x09) out += '\\t';
    else if (ch < 0x20 || ch === 0x7f) out += `\\${String(ch).padStart(3, '0')}`;
    else if (ch >= 0x80) out += `\\${ch}`;
    else out += String.fromCharCode(ch);
  }
  return `${out}"`;
}

/** A name a script variable may have, as Momentum's editor allows: a letter or underscore first. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** vars.name, or vars["name"] when name is not a plain Lua name. */
export function varsField(name: string): string {
  return VARIABLE_NAME.test(name) && !LUA_KEYWORDS.has(name) ? `vars.${name}` : `vars[${luaString(name)}]`;
}

/** A Lua identifier made of text (an id): other characters become _. */
export function identifier(text: string): string {
  const id = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/** One reference in a text value: `$name` (a variable or a named capture) or `$1` (a capture). */
const REFERENCE = /\$(\$|[0-9]+|[A-Za-z_][A-Za-z0-9_]*)/g;

export interface ValueScope {
  /** Variables set by an ASSIGN or "set variable" in this phase: `$name` reads vars.name; any other `$name` is a capture, vars["$name"]. */
  assigned: ReadonlySet<string>;
  /** Told when the value reads vars. */
  useVars(): void;
}

function referenceExpr(ref: string, scope: ValueScope): string {
  scope.useVars();
  if (/^[0-9]/.test(ref) || !scope.assigned.has(ref)) return `vars[${luaString(`$${ref}`)}]`;
  return varsField(ref);
}

/**
 * A text value as a Lua expression: a literal, or, where the text holds
 * `$name` / `$1`, the concatenation of its pieces (a variable that is not
 * set reads as ""); `$$` is a literal `$`. A value that is one reference and
 * nothing else is that variable itself (nil when unset).
 */
export function textValue(value: string, scope: ValueScope): string {
  const whole = /^\$([0-9]+|[A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (whole) return referenceExpr(whole[1] as string, scope);
  const parts: string[] = [];
  let literal = '';
  let at = 0;
  for (const m of value.matchAll(REFERENCE)) {
    literal += value.slice(at, m.index);
    at = (m.index ?? 0) + m[0].length;
    if (m[1] === '$') {
      literal += '$';
      continue;
    }
    if (literal !== '') parts.push(luaString(literal));
    literal = '';
    parts.push(`tostring(${referenceExpr(m[1] as string, scope)} or "")`);
  }
  literal += value.slice(at);
  if (literal !== '' || parts.length === 0) parts.push(luaString(literal));
  return parts.join(' .. ');
}

/** A regular expression: taken as written (a `$` is an anchor), unless the whole value is one `$name`. */
export function patternValue(value: string, scope: ValueScope): string {
  return /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value) && scope.assigned.has(value.slice(1)) ? textValue(value, scope) : luaString(value);
}

/** A number: a literal as written, or tonumber() of a variable. Undefined when it is neither. */
export function numberValue(value: string, scope: ValueScope): string | undefined {
  const v = value.trim();
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(v)) return String(Number(v));
  if (/^\$([0-9]+|[A-Za-z_][A-Za-z0-9_]*)$/.test(v)) return `(tonumber(${referenceExpr(v.slice(1), scope)}) or 0)`;
  return undefined;
}

/** Lines indented by `depth` levels of two spaces (blank lines stay empty). */
export function indent(lines: string[], depth: number): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => (l === '' ? '' : pad + l));
}
