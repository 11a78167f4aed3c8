// The one place that includes the Lua headers, for either engine.
// LuaJIT is C and ships lua.hpp (extern "C"); PUC Lua 5.1 is compiled as C++
// here (see addon.gypi), so its headers are included without extern "C".
#pragma once

#if defined(SCRIPTLET_LUA_AS_CXX)
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#else
extern "C" {
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "luajit.h"
}
#endif

namespace scriptlet {

#if defined(SCRIPTLET_LUAJIT)
inline constexpr const char* kEngineName = LUAJIT_VERSION;
inline constexpr const char* kEngineId = "luajit";
#else
inline constexpr const char* kEngineName = LUA_RELEASE;
inline constexpr const char* kEngineId = "lua51";
#endif

}  // namespace scriptlet
