// vctx:recipient_list, vctx:add_recipient, vctx:remove_recipient (the
// envelope's recipients, handed back in the verdict's rcptto), vctx:tarpit,
// vctx:exists, and vctx.disconnect = 1.
#include <cstring>

#include "lua_api_extras.hpp"

namespace scriptlet {

namespace {

CallContext* self(lua_State* L) { return checkCall(L, 1, HandleKind::Vctx); }

bool sameAddress(const std::string& a, const char* b, size_t n) {
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && !(x < 0x80 && y < 0x80 && (x | 0x20) == (y | 0x20) && (x | 0x20) >= 'a' && (x | 0x20) <= 'z')) return false;
  }
  return true;
}

// [-0, +0] Raises unless the call's phase is one of allowed (a mask of
// 1 << Phase); names the method and the phases it works in.
void checkPhase(lua_State* L, CallContext* call, const char* method, unsigned allowed, const char* where) {
  if (allowed & (1u << static_cast<unsigned>(call->phase))) return;
  luaL_error(L, "vctx:%s is not available in %s (only in %s)", method, calloutName(call->phase), where);
}

constexpr unsigned bit(Phase p) { return 1u << static_cast<unsigned>(p); }
constexpr unsigned kMessagePhases = bit(Phase::Data) | bit(Phase::DataSpool) | bit(Phase::DataSpoolEachRcpt);
constexpr const char* kMessagePhaseNames = "validate_data, validate_data_spool and validate_data_spool_each_rcpt";

// Where the recipient this call is about went (its index), after a change.
void refindCurrent(CallContext* call, const std::string& current, bool had) {
  call->currentRcpt = -1;
  if (!had) return;
  for (size_t i = 0; i < call->rcptto.size(); i++)
    if (call->rcptto[i] == current) {
      call->currentRcpt = static_cast<int>(i);
      return;
    }
}

void appendNew(void* out, const char* a, size_t n) {
  auto* list = static_cast<std::vector<std::string>*>(out);
  for (const std::string& r : *list)
    if (sameAddress(r, a, n)) return;
  list->emplace_back(a, n);
}

void removeEvery(void* out, const char* a, size_t n) {
  auto* list = static_cast<std::vector<std::string>*>(out);
  for (size_t i = list->size(); i-- > 0;)
    if (sameAddress((*list)[i], a, n)) list->erase(list->begin() + static_cast<long>(i));
}

// How many recipients the list would have with the addresses at idx added.
size_t countAfterAdding(lua_State* L, CallContext* call, int idx) {
  auto count = [](void* out, const char* a, size_t n) {
    auto* c = static_cast<std::pair<CallContext*, size_t>*>(out);
    for (const std::string& r : c->first->rcptto)
      if (sameAddress(r, a, n)) return;
    c->second++;
  };
  std::pair<CallContext*, size_t> c{call, 0};
  walkAddresses(L, idx, "", count, &c);
  return call->rcptto.size() + c.second;
}

// [-0, +0] Applies add (appendNew or removeEvery) to the call's recipients,
// keeping track of the one the call is about.
void change(CallContext* call, lua_State* L, int idx, void (*add)(void*, const char*, size_t)) {
  bool had = call->currentRcpt >= 0 && call->currentRcpt < static_cast<int>(call->rcptto.size());
  std::string current = had ? call->rcptto[call->currentRcpt] : std::string();
  walkAddresses(L, idx, "", add, &call->rcptto);
  refindCurrent(call, current, had);
  call->verdict.rcpttoChanged = true;
}

}  // namespace

bool isEnvelopeAddress(const char* s, size_t n, bool allowEmpty) {
  if (n == 0) return allowEmpty;
  if (n > kMaxAddressBytes) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',') return false;
  }
  return true;
}

size_t walkAddresses(lua_State* L, int idx, const char* fname, void (*add)(void*, const char*, size_t), void* out) {
  int type = lua_type(L, idx);
  if (type != LUA_TSTRING && type != LUA_TTABLE) luaL_typerror(L, idx, "address string or table of addresses");
  size_t entries = type == LUA_TTABLE ? lua_objlen(L, idx) : 1;
  size_t total = 0;
  for (size_t e = 1; e <= entries; e++) {
    size_t len;
    const char* s;
    if (type == LUA_TTABLE) {
      lua_rawgeti(L, idx, static_cast<int>(e));
      if (lua_type(L, -1) != LUA_TSTRING) {
        if (!add) luaL_argerror(L, idx, lua_pushfstring(L, "entry %d is not an address string", static_cast<int>(e)));
        lua_pop(L, 1);
        continue;
      }
      s = lua_tolstring(L, -1, &len);
    } else {
      s = lua_tolstring(L, idx, &len);
    }
    size_t start = 0;
    while (start <= len) {
      const void* comma = std::memchr(s + start, ',', len - start);
      size_t end = comma ? static_cast<size_t>(static_cast<const char*>(comma) - s) : len;
      size_t a = start, b = end;
      while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
      while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
      if (b - a >= 2 && s[a] == '<' && s[b - 1] == '>') a++, b--;
      bool ok = isEnvelopeAddress(s + a, b - a, false);
      if (!ok && !add) {
        const char* why = b == a ? "an empty address" : b - a > kMaxAddressBytes ? "an address longer than 320 bytes"
                                                                                : "an address with white space, a control character, '<', '>' or ','";
        luaL_argerror(L, idx, type == LUA_TTABLE ? lua_pushfstring(L, "entry %d has %s", static_cast<int>(e), why) : lua_pushfstring(L, "%s", why));
      }
      if (ok && add) add(out, s + a, b - a);
      total++;
      start = end + 1;
    }
    if (type == LUA_TTABLE) lua_pop(L, 1);
  }
  if (total == 0 && !add) luaL_argerror(L, idx, "no address given");
  (void)fname;
  return total;
}

// vctx:recipient_list() -> { address, ... }; vctx:recipient_list(addresses)
// replaces the list (data, data_spool, data_spool_each_rcpt only).
int vctxRecipientList(lua_State* L) {
  CallContext* call = self(L);
  call->ensureFacts();
  if (lua_isnoneornil(L, 2)) {
    lua_createtable(L, static_cast<int>(call->rcptto.size()), 0);
    for (size_t i = 0; i < call->rcptto.size(); i++) {
      lua_pushlstring(L, call->rcptto[i].data(), call->rcptto[i].size());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    return 1;
  }
  checkPhase(L, call, "recipient_list", kMessagePhases, kMessagePhaseNames);
  if (walkAddresses(L, 2, "recipient_list", nullptr, nullptr) > kMaxRecipients)
    luaL_argerror(L, 2, "more than 1000 recipients");
  bool had = call->currentRcpt >= 0 && call->currentRcpt < static_cast<int>(call->rcptto.size());
  std::string current = had ? call->rcptto[call->currentRcpt] : std::string();
  call->rcptto.clear();
  walkAddresses(L, 2, "recipient_list", appendNew, &call->rcptto);
  refindCurrent(call, current, had);
  call->verdict.rcpttoChanged = true;
  return 0;
}

// vctx:add_recipient(addresses): appends those not in the list yet.
int vctxAddRecipient(lua_State* L) {
  CallContext* call = self(L);
  checkPhase(L, call, "add_recipient", bit(Phase::Rcptto) | kMessagePhases,
             "validate_rcptto, validate_data, validate_data_spool and validate_data_spool_each_rcpt");
  call->ensureFacts();
  walkAddresses(L, 2, "add_recipient", nullptr, nullptr);
  if (countAfterAdding(L, call, 2) > kMaxRecipients) luaL_argerror(L, 2, "the list would have more than 1000 recipients");
  change(call, L, 2, appendNew);
  return 0;
}

// vctx:remove_recipient(addresses): removes every one that matches
// (ignoring ASCII case); an address not in the list is no error.
int vctxRemoveRecipient(lua_State* L) {
  CallContext* call = self(L);
  checkPhase(L, call, "remove_recipient", bit(Phase::Mailfrom) | bit(Phase::Rcptto) | kMessagePhases,
             "validate_mailfrom, validate_rcptto, validate_data, validate_data_spool and validate_data_spool_each_rcpt");
  call->ensureFacts();
  walkAddresses(L, 2, "remove_recipient", nullptr, nullptr);
  change(call, L, 2, removeEvery);
  return 0;
}

// vctx:tarpit(seconds): the host waits that long before its reply to this
// command (the greeting, in connect). The last call of a phase wins.
int vctxTarpit(lua_State* L) {
  CallContext* call = self(L);
  lua_Number s = luaL_checknumber(L, 2);
  if (!(s >= 0 && s <= kMaxTarpitSeconds)) luaL_argerror(L, 2, "interval must be from 0 to 300 seconds");
  call->verdict.tarpitSeconds = s;
  return 0;
}

// vctx:exists(type, key) -> 1 or 0
int vctxExists(lua_State* L) {
  const char* key;
  size_t len;
  ContextMap* ctx = checkContextKey(L, self(L), 2, &key, &len);
  lua_pushinteger(L, ctx->get(key, len) ? 1 : 0);
  return 1;
}

void setVctxField(lua_State* L, CallContext* call) {
  size_t len;
  const char* key = lua_tolstring(L, 2, &len);
  if (!key || len != 10 || std::memcmp(key, "disconnect", 10) != 0)
    luaL_error(L, "vctx has no field '%s' to set (only vctx.disconnect)", key ? key : luaL_typename(L, 2));
  bool on = lua_toboolean(L, 3) && !(lua_type(L, 3) == LUA_TNUMBER && lua_tonumber(L, 3) == 0);
  Disposition& d = call->verdict.disposition;
  if (on && !d.set) {
    d.set = true;
    d.code = 421;
    d.text = "4.7.0 Closing connection";
  }
  d.disconnect = on;
}

}  // namespace scriptlet
