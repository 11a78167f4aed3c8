// msys.expandMacro(str): Momentum's %{...} macros, expanded against the call
// in progress. %{vctx_conn:KEY} and %{vctx_mess:KEY} read the connection and
// message contexts (with the variables the engine derives from the call's
// facts: standard_context.cpp); %{i}, %{spfv1:i} and the other SPF letters
// (RFC 7208 section 7.2) read the session's facts. Unknown macros expand to
// nothing; text that is not a macro is copied as it is.
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "lua_api.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

MasterState* masterOf(lua_State* L) {
  return static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
}

bool startsWith(const char* s, size_t n, const char* prefix) {
  size_t p = std::strlen(prefix);
  return n >= p && std::memcmp(s, prefix, p) == 0;
}

// [-0, +0] Adds context variable key (a set entry, else a derived one) to b.
void addContextValue(luaL_Buffer* b, CallContext* call, bool conn, const char* key, size_t len) {
  ContextMap& ctx = conn ? call->conn : call->mess;
  const std::string* v = ctx.get(key, len);
  std::string& derived = call->scratch.text;  // not a local: adding to b may raise
  if (!v && standardContextValue(call, conn, key, len, &derived)) v = &derived;
  if (v) luaL_addlstring(b, v->data(), v->size());
}

// [-0, +0] Adds SPF macro letter c (RFC 7208 7.2) to b.
void addSpfLetter(luaL_Buffer* b, CallContext* call, char c) {
  call->ensureFacts();
  const std::string& sender = call->mailfrom;
  size_t at = sender.rfind('@');
  switch (c) {
    case 's':  // the sender; "postmaster@" + HELO for the null sender
      if (sender.empty() && !call->helo.empty()) {
        luaL_addstring(b, "postmaster@");
        luaL_addlstring(b, call->helo.data(), call->helo.size());
      } else {
        luaL_addlstring(b, sender.data(), sender.size());
      }
      return;
    case 'l':
      if (sender.empty()) luaL_addstring(b, "postmaster");
      else luaL_addlstring(b, sender.data(), at == std::string::npos ? sender.size() : at);
      return;
    case 'o':
    case 'd': {  // the sender's domain (the domain being checked: the same here)
      if (at != std::string::npos) luaL_addlstring(b, sender.data() + at + 1, sender.size() - at - 1);
      else if (sender.empty()) luaL_addlstring(b, call->helo.data(), call->helo.size());
      return;
    }
    case 'i':
    case 'c':
      luaL_addlstring(b, call->remoteAddr.data(), call->remoteAddr.size());
      return;
    case 'h':
      luaL_addlstring(b, call->helo.data(), call->helo.size());
      return;
    case 'v':
      luaL_addstring(b, call->remoteAddr.find(':') != std::string::npos ? "ip6" : "in-addr");
      return;
    case 'p':  // the validated host name needs a DNS check, which a macro cannot wait for
    case 'r':
      luaL_addstring(b, "unknown");
      return;
    case 't': {
      char stamp[24];
      std::snprintf(stamp, sizeof stamp, "%lld", static_cast<long long>(std::time(nullptr)));
      luaL_addstring(b, stamp);
      return;
    }
    default:
      return;
  }
}

// [-0, +0] Adds the expansion of the macro named name[0, len) to b.
void addMacro(luaL_Buffer* b, CallContext* call, const char* name, size_t len) {
  if (!call) return;  // outside a call (a script's main chunk, init()): no session to read
  if (startsWith(name, len, "vctx_conn:")) return addContextValue(b, call, true, name + 10, len - 10);
  if (startsWith(name, len, "vctx_mess:")) return addContextValue(b, call, false, name + 10, len - 10);
  if (startsWith(name, len, "spfv1:")) {
    name += 6;
    len -= 6;
  }
  if (len == 1) addSpfLetter(b, call, name[0]);
}

// msys.expandMacro(str) -> str with every %{...} expanded
int msysExpandMacro(lua_State* L) {
  size_t n;
  const char* s = luaL_checklstring(L, 1, &n);
  CallContext* call = masterOf(L)->runningCall();
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  size_t i = 0;
  while (i < n) {
    const char* pct = static_cast<const char*>(std::memchr(s + i, '%', n - i));
    size_t stop = pct ? static_cast<size_t>(pct - s) : n;
    luaL_addlstring(&b, s + i, stop - i);
    if (!pct) break;
    i = stop;
    char next = i + 1 < n ? s[i + 1] : '\0';
    if (next == '%' || next == '_' || next == '-') {  // RFC 7208: "%%", "%_" (space), "%-" ("%20")
      luaL_addstring(&b, next == '%' ? "%" : next == '_' ? " " : "%20");
      i += 2;
      continue;
    }
    const char* close = next == '{' ? static_cast<const char*>(std::memchr(s + i + 2, '}', n - i - 2)) : nullptr;
    if (!close) {  // a lone '%' is text
      luaL_addchar(&b, '%');
      i++;
      continue;
    }
    addMacro(&b, call, s + i + 2, static_cast<size_t>(close - (s + i + 2)));
    i = static_cast<size_t>(close - s) + 1;
  }
  luaL_pushresult(&b);
  return 1;
}

}  // namespace

void installExpandMacro(lua_State* L, MasterState* master) {
  lua_getglobal(L, "msys");
  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, msysExpandMacro, 1);
  lua_setfield(L, -2, "expandMacro");
  lua_pop(L, 1);
}

}  // namespace scriptlet
