// msys.registerAuth and the `auth` phase (lua_auth.cpp).
#pragma once

#include "call_context.hpp"
#include "util/lua_headers.hpp"

namespace scriptlet {

class MasterState;

// [-0, +0] msys.registerAuth and msys.core.EC_AUTH_OK/FAIL/ERROR; after installMsys.
void installAuth(lua_State* L, MasterState* master);
// [-0, +2] authenticate, scheme table (the scheme named by the call's
// auth.scheme); [-0, +0] and a 454 disposition when there is no such scheme.
bool pushAuthCallout(lua_State* co, CallContext* call);
// [-0, +4] filename, paramsdict, username, password.
int pushAuthArgs(lua_State* co, CallContext* call);
// The callout's return (at 1) as the verdict's code; false for a value that is none of Momentum's.
bool readAuthResult(lua_State* co, CallContext* call);

}  // namespace scriptlet
