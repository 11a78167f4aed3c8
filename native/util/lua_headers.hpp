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

// kEngineName is what is vendored (vendor/README.md's table), shown as
// msys.engine, the addon's engineVersion, the metrics' engine_version and in
// `scriptlet stats`. For LuaJIT it is not LUAJIT_VERSION: OpenResty's luajit2
// keeps "LuaJIT 2.1.0-beta3" in luajit.h in every release and names its
// releases by date. Refresh it with vendor/luajit; a test compares it with
// vendor/README.md.
#if defined(SCRIPTLET_LUAJIT)
#if !defined(OPENRESTY_LUAJIT) || LUAJIT_VERSION_NUM != 20100
#error "vendor/luajit is not OpenResty's luajit2 2.1 any more: update kEngineName"
#endif
inline constexpr const char* kEngineName = "LuaJIT 2.1-20230119 (OpenResty luajit2)";
inline constexpr const char* kEngineId = "luajit";
#else
inline constexpr const char* kEngineName = LUA_RELEASE;
inline constexpr const char* kEngineId = "lua51";
#endif

}  // namespace scriptlet
