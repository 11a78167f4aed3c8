#include "lua_errors.hpp"

#include <cctype>
#include <cstdio>

namespace scriptlet {

namespace {

// [-1, +1] Calls __tostring on the value at 1 (run under lua_pcall).
int callToString(lua_State* L) {
  if (!luaL_callmeta(L, 1, "__tostring") || !lua_isstring(L, -1)) lua_pushnil(L);
  return 1;
}

}  // namespace

std::string errorText(lua_State* L, int idx) {
  idx = idx < 0 && idx > LUA_REGISTRYINDEX ? lua_gettop(L) + idx + 1 : idx;
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING || t == LUA_TNUMBER) {
    size_t n;
    const char* s = lua_tolstring(L, idx, &n);
    // lua_tolstring turns a number in place into a string: fine for errors.
    return std::string(s, n);
  }
  std::string fallback = std::string("(error object is a ") + lua_typename(L, t) + " value)";
  if (t == LUA_TNIL || !luaL_getmetafield(L, idx, "__tostring")) return fallback;
  lua_pop(L, 1);
  lua_pushcfunction(L, callToString);
  lua_pushvalue(L, idx);
  if (lua_pcall(L, 1, 1, 0) != 0 || !lua_isstring(L, -1)) {
    lua_pop(L, 1);
    return fallback + " (its __tostring failed)";
  }
  size_t n;
  const char* s = lua_tolstring(L, -1, &n);
  std::string text(s, n);
  lua_pop(L, 1);
  return text;
}

std::string innermostLocation(lua_State* L, int level) {
  lua_Debug ar;
  for (int i = level; lua_getstack(L, i, &ar); i++) {
    if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
    return std::string(ar.short_src) + ":" + std::to_string(ar.currentline);
  }
  return "";
}

std::string locationFromMessage(const std::string& message) {
  // "source:line: text" where source has no newline; take the first ":N:".
  for (size_t i = 0; i < message.size() && message[i] != '\n'; i++) {
    if (message[i] != ':' || i == 0) continue;
    size_t j = i + 1;
    while (j < message.size() && std::isdigit(static_cast<unsigned char>(message[j]))) j++;
    if (j > i + 1 && j < message.size() && message[j] == ':') return message.substr(0, j);
  }
  return "";
}

std::string threadTraceback(lua_State* L, int tracebackRef, lua_State* co, const std::string& message) {
  // co may have died at the end of its stack (a limit, a stack overflow).
  if (!lua_checkstack(co, 1) || !lua_checkstack(L, 4)) return message;
  lua_rawgeti(L, LUA_REGISTRYINDEX, tracebackRef);
  lua_pushthread(co);
  lua_xmove(co, L, 1);
  lua_pushlstring(L, message.data(), message.size());
  if (lua_pcall(L, 2, 1, 0) != 0 || !lua_isstring(L, -1)) {
    lua_pop(L, 1);
    return message;
  }
  std::string tb = lua_tostring(L, -1);
  lua_pop(L, 1);
  return tb;
}

int errorTableHandler(lua_State* L) {
  std::string message = errorText(L, 1);
  std::string location = innermostLocation(L, 1);
  if (location.empty()) location = locationFromMessage(message);
  lua_createtable(L, 0, 3);
  lua_pushlstring(L, message.data(), message.size());
  lua_setfield(L, -2, "message");
  lua_pushlstring(L, location.data(), location.size());
  lua_setfield(L, -2, "location");
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushlstring(L, message.data(), message.size());
  lua_pushinteger(L, 2);
  if (lua_pcall(L, 2, 1, 0) != 0) {
    lua_pop(L, 1);
    lua_pushlstring(L, message.data(), message.size());
  }
  lua_setfield(L, -2, "traceback");
  return 1;
}

}  // namespace scriptlet
