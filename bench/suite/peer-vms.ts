// The same policy source run by the Lua engines a Node user could pick
// instead: wasmoon (PUC Lua 5.4 compiled to WebAssembly) and fengari (Lua
// 5.3 written in JS). Both load peer-shim.lua, which builds msg and vctx
// over four host functions; here each engine provides them over one
// MailView, handing strings over the way it hands strings to Lua.

import * as fs from 'node:fs';
import { lauxlib, lua, lualib, to_luastring } from 'fengari';
import { LuaFactory } from 'wasmoon';
import { JsVctx, JS_POLICIES, type Outcome } from './js-policies.js';
import { MailView } from './mail-view.js';

const SHIM = fs.readFileSync(new URL('./peer-shim.lua', import.meta.url), 'utf8');

/** Runs one policy, a message at a time; outcome() describes the last run. */
export interface MessageRunner {
  run(raw: Buffer): void;
  outcome(): Outcome;
  close(): void;
}

/** The state a run leaves: read by outcome() after it. */
class RunState {
  view = new MailView(Buffer.alloc(0));
  vctx = new JsVctx();
  action = 0;
  start(raw: Buffer): void {
    this.view = new MailView(raw);
    this.vctx = new JsVctx();
  }
  outcome(): Outcome {
    const { code, text, mess } = this.vctx;
    return { code, text, action: this.action === 1 ? 'done' : 'continue', mess };
  }
}

const NON_ASCII = /[\x80-\xff]/;
// wasmoon takes JS strings and writes them to Lua as UTF-8: give it the text.
const asText = (binary: string) => (NON_ASCII.test(binary) ? Buffer.from(binary, 'latin1').toString('utf8') : binary);

export async function openWasmoon(policySource: string): Promise<MessageRunner> {
  const engine = await new LuaFactory().createEngine();
  const state = new RunState();
  engine.global.set('__host_header', (name: string) => state.view.header(name).map(asText));
  engine.global.set('__host_body', () => state.view.bodyBytes().toString('utf8'));
  engine.global.set('__host_set', (key: string, value: string) => state.vctx.set(key, value));
  engine.global.set('__host_set_code', (code: number, text: string) => state.vctx.setCode(code, text));
  engine.doStringSync(SHIM);
  engine.doStringSync(policySource);
  const validate = engine.global.get('__validate_data') as () => number;
  return {
    run(raw) {
      state.start(raw);
      state.action = validate();
    },
    outcome: () => state.outcome(),
    close: () => engine.global.close(),
  };
}

type FengariState = ReturnType<typeof lauxlib.luaL_newstate>;

function fengariLoad(L: FengariState, source: string, name: string): void {
  if (lauxlib.luaL_loadbuffer(L, to_luastring(source), null, to_luastring(`=${name}`)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
    throw new Error(`fengari: ${name}: ${lua.lua_tojsstring(L, -1)}`);
  }
}

export function openFengari(policySource: string): MessageRunner {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const state = new RunState();
  const host: Record<string, (L: FengariState) => number> = {
    // fengari's strings are byte arrays: a Buffer goes in as it is.
    __host_header: (L) => {
      const values = state.view.header(lua.lua_tojsstring(L, 1));
      lua.lua_createtable(L, values.length, 0);
      values.forEach((v, i) => {
        lua.lua_pushstring(L, Buffer.from(v, 'latin1'));
        lua.lua_rawseti(L, -2, i + 1);
      });
      return 1;
    },
    __host_body: (L) => {
      lua.lua_pushstring(L, state.view.bodyBytes());
      return 1;
    },
    __host_set: (L) => {
      state.vctx.set(lua.lua_tojsstring(L, 1), lua.lua_tojsstring(L, 2));
      return 0;
    },
    __host_set_code: (L) => {
      state.vctx.setCode(lua.lua_tointeger(L, 1), lua.lua_tojsstring(L, 2));
      return 0;
    },
  };
  for (const [name, fn] of Object.entries(host)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setglobal(L, to_luastring(name));
  }
  fengariLoad(L, SHIM, 'peer-shim');
  fengariLoad(L, policySource, 'policy');
  const validateName = to_luastring('__validate_data');
  return {
    run(raw) {
      state.start(raw);
      lua.lua_getglobal(L, validateName);
      if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) throw new Error(`fengari: ${lua.lua_tojsstring(L, -1)}`);
      state.action = lua.lua_tointeger(L, -1);
      lua.lua_pop(L, 1);
    },
    outcome: () => state.outcome(),
    close: () => lua.lua_close(L),
  };
}

/** The policy as plain JS (js-policies.ts), over the same MailView. */
export function openPlainJs(policyName: string): MessageRunner {
  const policy = JS_POLICIES[policyName];
  if (!policy) throw new Error(`no plain-JS version of policy '${policyName}'`);
  const state = new RunState();
  return {
    run(raw) {
      state.start(raw);
      state.action = policy(state.view, state.vctx);
    },
    outcome: () => state.outcome(),
    close: () => {},
  };
}
