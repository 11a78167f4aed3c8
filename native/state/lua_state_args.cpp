#include "lua_state_args.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "../master_state.hpp"

namespace scriptlet {

namespace {

constexpr uintptr_t kHandleKindMask = 3;  // lua_call_handle.cpp: the kind in the low two bits

// [-0, +0] Raises "<fname>: <what> ...". Kept apart so callers raise with no std::string alive.
int raiseBadKey(lua_State* L, const char* fname, const char* what, const char* text) {
  return luaL_error(L, "%s: %s is not an IP address, IP/mask or /mask: '%s'", fname, what, text);
}

// The peer of the call last asked about on this thread: a policy asks for
// the same peer many times in one call (add, then count), and the parse is
// a good part of what a call costs. Kept with the text it was parsed from,
// which is compared (a few bytes) before the result is used: call and
// serial alone could repeat across masters.
struct PeerCache {
  const CallContext* call = nullptr;
  uint64_t serial = 0;
  size_t len = 0;
  char text[64];
  IpAddress ip;
};
thread_local PeerCache tlsPeer;

// The call's peer, or false when it has no IP address.
bool callPeer(CallContext* call, IpAddress* ip) {
  PeerCache& c = tlsPeer;
  call->ensureFacts();
  const std::string& addr = call->remoteAddr;
  if (c.call == call && c.serial == call->serial && c.len == addr.size() && std::memcmp(c.text, addr.data(), c.len) == 0) {
    *ip = c.ip;
    return true;
  }
  if (!parseIp(addr.data(), addr.size(), ip)) return false;
  if (addr.size() <= sizeof c.text) {
    c.call = call;
    c.serial = call->serial;
    c.len = addr.size();
    std::memcpy(c.text, addr.data(), c.len);
    c.ip = *ip;
  }
  return true;
}

}  // namespace

IpAddress peerAddress(lua_State* L, const char* fname) {
  auto running = static_cast<RunningCall>(lua_touserdata(L, lua_upvalueindex(kUpRunning)));
  CallContext* call = running ? *running : nullptr;
  if (!call) luaL_error(L, "%s: no connected peer outside a callout: give a key", fname);
  IpAddress ip;
  if (!callPeer(call, &ip))
    luaL_error(L, "%s: the connected peer has no IP address (remote_addr '%s'): give a key", fname, call->remoteAddr.c_str());
  return ip;
}

IpAddress checkAddressKey(lua_State* L, int idx, const char* fname, const char* what, int* mask, bool ipv6Masks) {
  *mask = -1;
  int t = lua_type(L, idx);
  if (t == LUA_TNIL || t == LUA_TNONE) return peerAddress(L, fname);
  if (t == LUA_TLIGHTUSERDATA) {
    uintptr_t kind = reinterpret_cast<uintptr_t>(lua_touserdata(L, idx)) & kHandleKindMask;
    if (kind == 0) luaL_error(L, "%s: %s must be an address or the accept construct", fname, what);
    CallContext* call = checkCall(L, idx, static_cast<HandleKind>(kind));
    IpAddress ip;
    if (!callPeer(call, &ip))
      luaL_error(L, "%s: the accept construct's peer has no IP address ('%s')", fname, call->remoteAddr.c_str());
    return ip;
  }
  if (t != LUA_TSTRING) luaL_error(L, "%s: %s must be an address string or the accept construct, got %s", fname, what, lua_typename(L, t));
  size_t n;
  const char* s = lua_tolstring(L, idx, &n);
  const char* addr;
  size_t addrLen;
  if (!splitCidr(s, n, &addr, &addrLen, mask)) raiseBadKey(L, fname, what, s);
  IpAddress ip;
  if (addrLen == 0) {
    if (*mask < 0) raiseBadKey(L, fname, what, s);
    ip = peerAddress(L, fname);
    if (ipv6Masks) ip = asIpv6(ip);
  } else if (!parseIp(addr, addrLen, &ip)) {
    raiseBadKey(L, fname, what, s);
  }
  if (*mask > ip.bits()) luaL_error(L, "%s: %s has a mask over /%d: '%s'", fname, what, ip.bits(), s);
  return ip;
}

int64_t checkIntegerIn(lua_State* L, int idx, int64_t lo, int64_t hi, const char* fname, const char* what) {
  if (lua_type(L, idx) != LUA_TNUMBER) luaL_error(L, "%s: %s must be an integer, got %s", fname, what, luaL_typename(L, idx));
  lua_Number v = lua_tonumber(L, idx);
  if (v != std::floor(v) || v < static_cast<lua_Number>(lo) || v > static_cast<lua_Number>(hi)) {
    char range[64];  // lua_pushfstring has no %lld
    std::snprintf(range, sizeof range, "%lld to %lld", static_cast<long long>(lo), static_cast<long long>(hi));
    luaL_error(L, "%s: %s must be an integer from %s, got %s", fname, what, range, lua_tostring(L, idx));
  }
  return static_cast<int64_t>(v);
}

void pushStateClosure(lua_State* L, lua_CFunction fn, RunningCall running, int cacheIdx, MasterState* master) {
  lua_pushlightuserdata(L, const_cast<CallContext**>(running));
  if (cacheIdx) lua_pushvalue(L, cacheIdx);
  else lua_pushnil(L);
  lua_pushlightuserdata(L, master);
  for (const char* name : {"key", "count", "startv", "endv", "cidr"}) lua_pushstring(L, name);
  lua_pushcclosure(L, fn, 8);
}

void pushOptionField(lua_State* L, int idx, int up) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  lua_pushvalue(L, lua_upvalueindex(up));
  lua_gettable(L, idx);
}

int optWindowField(lua_State* L, int idx, int up, const char* field, int def, const char* fname) {
  pushOptionField(L, idx, up);
  int v = lua_isnil(L, -1) ? def : static_cast<int>(checkIntegerIn(L, -1, 0, 1000000, fname, field));
  lua_pop(L, 1);
  return v;
}

void logStateNote(lua_State* L, const char* text, size_t len) {
  static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(kUpMaster)))->log(text, len);
}

}  // namespace scriptlet
