// Arguments shared by msys.audit_series, msys.audit and msys.gauge_cache /
// msys.counter: keys that are addresses (an IP, "IP/mask", "/mask", the
// accept construct, or nothing for the connected peer), window bounds, and
// the log line a define may leave. Every function raises a Lua error
// naming fname on a bad argument, with no C++ object alive in its frame.
#pragma once

#include "../lua_api.hpp"
#include "state_key.hpp"

namespace scriptlet {

// The closures of these libraries have these upvalues.
constexpr int kUpRunning = 1;  // RunningCall, as the handles' functions
constexpr int kUpCache = 2;    // a table: series name -> light userdata Series*
constexpr int kUpMaster = 3;   // MasterState*
// The option names, interned once: lua_getfield would hash the C string on
// every call, a good part of what a call costs.
constexpr int kUpKey = 4, kUpCount = 5, kUpStartv = 6, kUpEndv = 7, kUpCidr = 8;

// [-0, +1] A closure of fn over the upvalues above (cacheIdx 0: no cache).
void pushStateClosure(lua_State* L, lua_CFunction fn, RunningCall running, int cacheIdx, MasterState* master);
// [-0, +1] t[name] for the table at idx, name being the string upvalue up.
void pushOptionField(lua_State* L, int idx, int up);

// The connected peer of the running call (or raises: no call, or no peer).
IpAddress peerAddress(lua_State* L, const char* fname);

// [-0, +0] The address the value at idx names, and the mask it gave (-1:
// none). nil: the peer; a string "IP", "IP/mask" or "/mask" (the peer's
// prefix); msg, vctx or accept: that call's peer. what names the argument.
// ipv6Masks: a bare "/mask" is an IPv6 prefix length, and the peer is
// given as IPv6 (IPv4 mapped), for cidr_ipv6 series.
IpAddress checkAddressKey(lua_State* L, int idx, const char* fname, const char* what, int* mask, bool ipv6Masks = false);

// [-0, +0] A non-negative integer field of the table at idx (def if absent).
int optWindowField(lua_State* L, int idx, int up, const char* field, int def, const char* fname);
// [-0, +0] An integer argument/field value at idx, within [lo, hi].
int64_t checkIntegerIn(lua_State* L, int idx, int64_t lo, int64_t hi, const char* fname, const char* what);

// [-0, +0] Logs a line of the running master (its load logs in init).
void logStateNote(lua_State* L, const char* text, size_t len);

}  // namespace scriptlet
