// The few parts of fengari (Lua 5.3 in JS; it ships no types) the benchmark uses.
declare module 'fengari' {
  type LuaState = object;
  type LuaString = Uint8Array;
  type CFunction = (L: LuaState) => number;
  export const lua: {
    LUA_OK: number;
    lua_pushcfunction(L: LuaState, f: CFunction): void;
    lua_setglobal(L: LuaState, name: LuaString): void;
    lua_getglobal(L: LuaState, name: LuaString): number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_pop(L: LuaState, n: number): void;
    lua_tointeger(L: LuaState, idx: number): number;
    lua_tojsstring(L: LuaState, idx: number): string;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_pushstring(L: LuaState, s: LuaString): void;
    lua_rawseti(L: LuaState, idx: number, n: number): void;
    lua_close(L: LuaState): void;
  };
  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, buf: LuaString, size: number | null, name: LuaString): number;
  };
  export const lualib: { luaL_openlibs(L: LuaState): void };
  export function to_luastring(s: string): LuaString;
}
