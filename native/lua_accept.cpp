// ac:esmtp_capability_add / ac:esmtp_capability_remove: changes to the
// EHLO reply, handed to the host in the verdict (capabilityEdits).
#include <cstring>

#include "lua_api_extras.hpp"
#include "lua_shared_state.hpp"

namespace scriptlet {

namespace {

constexpr size_t kMaxKeywordBytes = 64;
constexpr size_t kMaxCapabilityBytes = 500;  // one reply line (RFC 5321: 512 with the code and CRLF)

bool isAlnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

// Length of the RFC 5321 ehlo-keyword at the start of s: (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
size_t keywordLength(const char* s, size_t n) {
  if (n == 0 || !isAlnum(static_cast<unsigned char>(s[0]))) return 0;
  size_t i = 1;
  while (i < n && (isAlnum(static_cast<unsigned char>(s[i])) || s[i] == '-')) i++;
  return i;
}

// [-0, +0] Checks the capability at 2 and records the edit; params only for add.
int edit(lua_State* L, bool add) {
  CallContext* call = checkCall(L, 1, HandleKind::Accept);
  const char* method = add ? "esmtp_capability_add" : "esmtp_capability_remove";
  if (call->phase != Phase::Connect && call->phase != Phase::Ehlo)
    luaL_error(L, "ac:%s is not available in %s (only in validate_connect and validate_ehlo)", method, calloutName(call->phase));
  size_t n;
  const char* s = luaL_checklstring(L, 2, &n);
  size_t k = keywordLength(s, n);
  if (k == 0 || k > kMaxKeywordBytes)
    luaL_argerror(L, 2, "capability must start with an ESMTP keyword (a letter or digit, then letters, digits or '-', at most 64)");
  if (!add && k != n) luaL_argerror(L, 2, "capability to remove must be a keyword alone, without parameters");
  if (k < n) {
    if (s[k] != ' ' || n > kMaxCapabilityBytes) luaL_argerror(L, 2, "capability parameters must follow the keyword after one space, 500 bytes in all at most");
    for (size_t i = k + 1; i < n; i++) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c > 0x7e) luaL_argerror(L, 2, "capability parameters must be printable ASCII");
    }
  }
  if (call->verdict.capabilityEdits.size() >= 100) luaL_error(L, "ac:%s: more than 100 capability changes in one call", method);
  call->verdict.capabilityEdits.push_back(CapabilityEdit{add, std::string(s, n)});
  return 0;
}

// ac:esmtp_capability_add("XFOO" or "XFOO params")
int acCapabilityAdd(lua_State* L) { return edit(L, true); }
// ac:esmtp_capability_remove("XFOO"): drops that keyword's line.
int acCapabilityRemove(lua_State* L) { return edit(L, false); }

const luaL_Reg kAcceptMethods[] = {
    {"esmtp_capability_add", acCapabilityAdd},
    {"esmtp_capability_remove", acCapabilityRemove},
    {"inbound_session_count", acInboundSessionCount},
    {nullptr, nullptr},
};

// msys.core.accept_construct_get_message_construct(accept) -> { message = msg }:
// how Momentum's policies reach the message from a callout that is given
// only accept (validate_mailfrom, or validate_data written as (str, accept,
// vctx)). The msg handle of the same call; in phases before DATA it still
// answers for the envelope and contexts.
int acceptMessageConstruct(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Accept);
  lua_createtable(L, 0, 1);
  pushCallHandle(L, call, HandleKind::Message);
  lua_setfield(L, -2, "message");
  return 1;
}

}  // namespace

void pushAcceptMethods(lua_State* L, RunningCall running) { pushMethodTable(L, kAcceptMethods, running); }

void installAcceptConstruct(lua_State* L, RunningCall running) {
  lua_getglobal(L, "msys");
  lua_getfield(L, -1, "core");
  lua_pushlightuserdata(L, const_cast<CallContext**>(running));
  lua_pushcclosure(L, acceptMessageConstruct, 1);
  lua_setfield(L, -2, "accept_construct_get_message_construct");
  lua_pop(L, 2);
}

}  // namespace scriptlet
