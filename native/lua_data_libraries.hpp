// msys.db (lua_db.cpp) and msys.http.client (lua_http_client.cpp): the
// libraries whose functions suspend the call while Node talks to a
// database or an HTTP server.
#pragma once

#include <cstddef>

#include "lua_api.hpp"

namespace scriptlet {

// [-0, +0] msys.db.query/fetch_row/execute, and the (empty) msys.datasource module.
void installDb(lua_State* L, MasterState* master);
// [-0, +0] msys.http.client.new and the client:* methods.
void installHttpClient(lua_State* L, MasterState* master);
// [-0, +0] What both are: the module table `name` (a global and
// package.loaded entry), filled by the library's Lua source (ours: text,
// never bytecode), which is run with suspend (a closure over master: the
// call's suspension), decode (turns Node's answer into Lua values) and the
// module table.
void installSuspendingLibrary(lua_State* L, MasterState* master, const char* name, lua_CFunction suspend,
                              lua_CFunction decode, const char* source, size_t len);

}  // namespace scriptlet
