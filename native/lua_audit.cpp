// msys.audit.connections / receptions / rejections / inbound_session_count
// and ac:inbound_session_count: Momentum's inbound audit, read from the
// counts the host reports (scriptlet serve, the milter, the Haraka plugin,
// or a Node MTA through the API: src/state/inbound-audit.ts). The store
// keeps one monitor: connections, receptions and rejections per address,
// in windows (12 of 300 s unless the host configures it), and the sessions
// open now, per service and address.
#include <cctype>
#include <cstring>
#include <string>

#include "lua_api.hpp"
#include "lua_libraries.hpp"
#include "state/lua_state_args.hpp"
#include "state/shared_store.hpp"

namespace scriptlet {

namespace {

constexpr size_t kMaxServiceBytes = 32;

// [-0, +0] options (at 2) like msys.audit_series.count's: a table with key
// (or cidr), startv, endv, or the key itself; the monitor's count.
int auditCount(lua_State* L, Series& series, const char* fname) {
  if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: monitor must be a string, got %s", fname, luaL_typename(L, 1));
  int startv = 0, endv = 0;
  int keyIdx = 2;
  if (lua_istable(L, 2)) {
    startv = optWindowField(L, 2, kUpStartv, "startv", 0, fname);
    endv = optWindowField(L, 2, kUpEndv, "endv", startv, fname);
    if (startv > endv) luaL_error(L, "%s: options.startv (%d) is greater than options.endv (%d)", fname, startv, endv);
    pushOptionField(L, 2, kUpKey);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      pushOptionField(L, 2, kUpCidr);
    }
    keyIdx = lua_gettop(L);
  }
  int mask;
  IpAddress ip = checkAddressKey(L, keyIdx, fname, "key", &mask);
  if (mask < 0) mask = ip.bits();
  lua_pushnumber(L, static_cast<lua_Number>(series.countAddress(ip, mask, startv, endv, SharedStore::instance().now())));
  return 1;
}

int auditConnections(lua_State* L) { return auditCount(L, SharedStore::instance().connections(), "msys.audit.connections"); }
int auditReceptions(lua_State* L) { return auditCount(L, SharedStore::instance().receptions(), "msys.audit.receptions"); }
int auditRejections(lua_State* L) { return auditCount(L, SharedStore::instance().rejections(), "msys.audit.rejections"); }

// [-0, +0] The service name at idx, upper-cased into out ("SMTP" if absent).
void checkService(lua_State* L, int idx, const char* fname, char (&out)[kMaxServiceBytes + 1]) {
  if (lua_isnoneornil(L, idx)) {
    std::strcpy(out, "SMTP");
    return;
  }
  size_t n;
  const char* s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &n) : nullptr;
  if (!s || n == 0 || n > kMaxServiceBytes) luaL_error(L, "%s: the service name must be a string of 1 to %d bytes", fname, static_cast<int>(kMaxServiceBytes));
  for (size_t i = 0; i < n; i++) out[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  out[n] = 0;
}

int64_t sessionCount(const IpAddress& ip, int mask, const char* service) {
  return SharedStore::instance().sessions(service).countAddress(ip, mask < 0 ? ip.bits() : mask, 0, 0, 0);
}

// msys.audit.inbound_session_count([cidr [, service]]): sessions open now
// from the address or prefix ("/24": the peer's /24; nothing: the peer).
int auditInboundSessionCount(lua_State* L) {
  const char* fname = "msys.audit.inbound_session_count";
  char service[kMaxServiceBytes + 1];
  checkService(L, 2, fname, service);
  int mask;
  IpAddress ip = checkAddressKey(L, 1, fname, "cidr", &mask);
  lua_pushnumber(L, static_cast<lua_Number>(sessionCount(ip, mask, service)));
  return 1;
}

const luaL_Reg kAuditFunctions[] = {
    {"connections", auditConnections},
    {"receptions", auditReceptions},
    {"rejections", auditRejections},
    {"inbound_session_count", auditInboundSessionCount},
    {nullptr, nullptr},
};

}  // namespace

// ac:inbound_session_count([cidr [, service]]): the same, from this accept
// construct's peer ("/24" is its /24; "IP/mask" any prefix).
int acInboundSessionCount(lua_State* L) {
  const char* fname = "ac:inbound_session_count";
  CallContext* call = checkCall(L, 1, HandleKind::Accept);
  char service[kMaxServiceBytes + 1];
  checkService(L, 3, fname, service);
  int mask = -1;
  IpAddress ip;
  if (lua_isnoneornil(L, 2) || (lua_type(L, 2) == LUA_TSTRING && lua_tostring(L, 2)[0] == '/')) {
    call->ensureFacts();
    if (!parseIp(call->remoteAddr.data(), call->remoteAddr.size(), &ip))
      luaL_error(L, "%s: the peer has no IP address ('%s')", fname, call->remoteAddr.c_str());
    if (!lua_isnoneornil(L, 2)) {
      const char* a;
      size_t al, n;
      const char* s = lua_tolstring(L, 2, &n);
      if (!splitCidr(s, n, &a, &al, &mask) || mask < 0 || mask > ip.bits()) luaL_error(L, "%s: bad mask '%s'", fname, s);
    }
  } else {
    ip = checkAddressKey(L, 2, fname, "cidr", &mask);
  }
  lua_pushnumber(L, static_cast<lua_Number>(sessionCount(ip, mask, service)));
  return 1;
}

// [-0, +0] msys.audit, its functions closures over (running, -, master)
// like msys.audit_series' (they resolve keys the same way).
void installAudit(lua_State* L, RunningCall running, MasterState* master) {
  pushModuleTable(L, "msys.audit");
  for (const luaL_Reg* r = kAuditFunctions; r->name; r++) {
    pushStateClosure(L, r->func, running, 0, master);
    lua_setfield(L, -2, r->name);
  }
  setGlobalModule(L, "msys.audit");
}

}  // namespace scriptlet
