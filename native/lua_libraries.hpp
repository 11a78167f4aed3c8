// Installers of the smaller libraries of Momentum's API (json, msys.dumper,
// msys.idn, msys.policyeditor, msys.type and friends) and of the stubs that
// give every other function of the reference a clear error. Each runs once
// on a fresh master state, before the sandbox copies the globals.
#pragma once

#include "lua_api.hpp"

namespace scriptlet {

// [-0, +0] json (lua_json.cpp).
void installJson(lua_State* L);
// [-0, +0] msys.idn (lua_idn.cpp).
void installIdn(lua_State* L);
// [-0, +0] msys.asyncOk, msys.core.get_now_ts, msys.parseRFC2822Addresses
// (lua_msys_extras.cpp); asyncOk reads the running call.
void installMsysExtras(lua_State* L, MasterState* master, RunningCall running);
// [-0, +0] msys.config: the console's config get/set (lua_msys_config.cpp).
void installMsysConfig(lua_State* L, MasterState* master);
// [-0, +0] msys.shareGet/shareSet/shareUnset, process-wide (lua_share.cpp).
void installShare(lua_State* L);
// [-0, +0] The libraries written in Lua (lua_embedded_libs.cpp): msys.dumper,
// msys.policyeditor, msys.type, msys.lock/unlock, msys.runInPool, thread.
void installEmbeddedLibraries(lua_State* L);
// [-0, +0] Last: every function of the reference still absent raises
// "<name>: not available in scriptlet[ yet]: <why>", and every require name
// of the reference loads (lua_unavailable.cpp).
void installUnavailable(lua_State* L);

// [-0, +1] The table at the dotted path (a.b.c) from the globals, made (and
// its parents) where missing.
void pushModuleTable(lua_State* L, const char* path);
// [-1, +0] The table at -1 becomes the module path: the global (or the field
// of its parent, made where missing) and package.loaded[path].
void setGlobalModule(lua_State* L, const char* path);

}  // namespace scriptlet
