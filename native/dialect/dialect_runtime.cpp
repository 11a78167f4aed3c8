#include "dialect_runtime.hpp"

#include <cstring>

#include "momentum_dialect.hpp"

namespace scriptlet {

namespace {

// Run once per state with (bit, math.floor, tonumber, type, error). idiv is
// Lua, not C, so that LuaJIT compiles it into the caller's trace.
constexpr const char* kRuntimeSetup = R"lua(
local bit, floor, tonumber, type, error = ...
local function idiv(a, b)
  local x, y = tonumber(a), tonumber(b)
  if x == nil then error("attempt to perform integer division ('\\') on a " .. type(a) .. " value", 2) end
  if y == nil then error("attempt to perform integer division ('\\') on a " .. type(b) .. " value", 2) end
  return floor(x / y)
end
return {
  band = bit.band, bor = bit.bor, bxor = bit.bxor,
  lshift = bit.lshift, rshift = bit.rshift, bnot = bit.bnot, idiv = idiv,
}
)lua";

}  // namespace

void installDialectRuntime(lua_State* L) {
#if defined(SCRIPTLET_LUA51)
  installBitLibrary(L);
#endif
  int top = lua_gettop(L);
  if (luaL_loadbuffer(L, kRuntimeSetup, std::strlen(kRuntimeSetup), "=dialect") == 0) {
    lua_getglobal(L, "bit");
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "floor");
    lua_remove(L, -2);
    lua_getglobal(L, "tonumber");
    lua_getglobal(L, "type");
    lua_getglobal(L, "error");
    if (lua_pcall(L, 5, 1, 0) == 0) lua_setglobal(L, kDialectRuntime);
  }
  lua_settop(L, top);  // without it, a rewritten operator says "attempt to index a nil value"
}

std::string dialectErrorText(lua_State* L, const char* chunkname, uint32_t line, const std::string& message) {
  // The engine shortens chunk names its own way: ask it, through an empty
  // function compiled under that name.
  std::string where = chunkname;
  if (luaL_loadbuffer(L, "", 0, chunkname) == 0) {
    lua_Debug ar;
    if (lua_getinfo(L, ">S", &ar)) where = ar.short_src;  // pops the function
  } else {
    lua_pop(L, 1);
  }
  return where + ":" + std::to_string(line) + ": " + message;
}

int loadDialectBuffer(lua_State* L, const char* source, size_t len, const char* chunkname) {
  int status;
  {
    std::string rewritten;
    DialectError error;
    switch (rewriteMomentumDialect(source, len, &rewritten, &error)) {
      case DialectResult::Unchanged:
        status = luaL_loadbuffer(L, source, len, chunkname);
        break;
      case DialectResult::Rewritten:
        status = luaL_loadbuffer(L, rewritten.data(), rewritten.size(), chunkname);
        break;
      default:
        rewritten = dialectErrorText(L, chunkname, error.line, error.message);
        lua_pushlstring(L, rewritten.data(), rewritten.size());
        status = LUA_ERRSYNTAX;
        break;
    }
  }
  return status;
}

}  // namespace scriptlet
