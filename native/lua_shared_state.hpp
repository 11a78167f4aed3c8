// The libraries on the process's shared store (native/state/):
// msys.audit_series, msys.audit, msys.counter, msys.gauge_cache, and
// ac:inbound_session_count for the accept method table.
#pragma once

#include "lua_api.hpp"

namespace scriptlet {

// [-0, +0] Installs the four libraries and ties the store's snapshot to
// this state: the last master to close writes it (lua_shared_state.cpp).
void installSharedState(lua_State* L, RunningCall running, MasterState* master);

// lua_audit_series.cpp, lua_audit.cpp, lua_counter.cpp.
void installAuditSeries(lua_State* L, RunningCall running, MasterState* master);
void installAudit(lua_State* L, RunningCall running, MasterState* master);
void installCounters(lua_State* L, RunningCall running, MasterState* master);
// ac:inbound_session_count (lua_audit.cpp), in the accept method table.
int acInboundSessionCount(lua_State* L);

}  // namespace scriptlet
