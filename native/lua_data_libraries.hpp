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
// [-nargs, +0] Compiles a library's Lua source (ours: text, never bytecode)
// and runs it with the nargs values on the stack.
void runLibraryChunk(lua_State* L, const char* chunkname, const char* source, size_t len, int nargs);

}  // namespace scriptlet
