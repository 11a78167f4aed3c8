// The Lua side of Momentum's dialect: the runtime table the rewritten
// operators call, and compiling a source through the rewrite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../util/lua_headers.hpp"

namespace scriptlet {

// [-0, +0] bit on Lua 5.1 (lua_bit.cpp; LuaJIT has its own), then the
// global kDialectRuntime: band, bor, bxor, lshift, rshift, bnot (from bit)
// and idiv (floor division). Before the sandbox, which makes it read-only.
void installDialectRuntime(lua_State* L);
void installBitLibrary(lua_State* L);

// [-0, +1] luaL_loadbuffer of a source in Momentum's dialect: 0 and the
// function, or an error status and the message ("chunk:line: ...").
int loadDialectBuffer(lua_State* L, const char* source, size_t len, const char* chunkname);

// The engine's own "chunk:line: message" for a position in chunkname.
std::string dialectErrorText(lua_State* L, const char* chunkname, uint32_t line, const std::string& message);

}  // namespace scriptlet
