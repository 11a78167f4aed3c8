// msg:routing_domain([domain]): the domain a recipient's mail is routed to
// (Momentum's domain container: the recipient's domain unless a policy sends
// it elsewhere, e.g. to a smart host). Reading gives the domain set in this
// call, else the recipient's; setting (validate_rcptto and the
// per-recipient phases after data_spool, as Momentum's page says) puts it in
// the verdict, for the host that routes: scriptlet serve writes it in the
// spool envelope by recipient.
#include <cstring>
#include <string>

#include "lua_api.hpp"

namespace scriptlet {

namespace {

bool settablePhase(Phase p) {
  return p == Phase::Rcptto || p == Phase::DataSpoolEachRcpt || p == Phase::PreMsgEachRcpt || p == Phase::PostMsgEachRcpt;
}

// A host name, or an address literal in brackets: what a routing table takes.
bool isRoutingDomain(const char* s, size_t n) {
  if (n == 0 || n > 255) return false;
  if (s[0] == '[') return n > 2 && s[n - 1] == ']' && std::strspn(s + 1, "0123456789abcdefABCDEF.:") == n - 2;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return s[0] != '.' && s[0] != '-';
}

}  // namespace

int msgRoutingDomain(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  if (lua_isnoneornil(L, 2)) {
    Verdict& v = call->verdict;
    if (!v.routingDomain.empty()) {
      lua_pushlstring(L, v.routingDomain.data(), v.routingDomain.size());
      return 1;
    }
    call->ensureFacts();
    int at = call->currentRcpt >= 0 && call->currentRcpt < static_cast<int>(call->rcptto.size()) ? call->currentRcpt : 0;
    if (call->rcptto.empty()) {
      lua_pushnil(L);
      return 1;
    }
    const std::string& r = call->rcptto[at];
    size_t atSign = r.rfind('@');
    if (atSign == std::string::npos) lua_pushnil(L);
    else lua_pushlstring(L, r.data() + atSign + 1, r.size() - atSign - 1);
    return 1;
  }
  size_t n;
  const char* d = luaL_checklstring(L, 2, &n);
  if (!settablePhase(call->phase))
    return luaL_error(L, "msg:routing_domain can be set only in validate_rcptto and the per-recipient phases (called in %s)",
                      calloutName(call->phase));
  if (!isRoutingDomain(d, n)) luaL_argerror(L, 2, "must be a host name or an [address] literal, up to 255 bytes");
  call->verdict.routingDomain.assign(d, n);
  lua_pushvalue(L, 2);
  return 1;
}

}  // namespace scriptlet
