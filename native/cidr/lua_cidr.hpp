// msys.cidr (native/lua_cidr.cpp): define, query and reload over the
// process-wide tables of cidr_registry.hpp.
#pragma once

#include "../lua_api.hpp"

namespace scriptlet {

// [-0, +0] msys.cidr.define/query/reload on the master's state.
void installCidr(lua_State* L, MasterState* master, RunningCall running);

}  // namespace scriptlet
