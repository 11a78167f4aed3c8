// msg:context_exists_and_get, msg:get_envelope2 (with msys.core.string_new's
// ec_string buffers), msg:listener_addr, msg:reception_peer, msg:get_code /
// msg:set_code, and the msg.conn_id / msg.batch_id fields.
#include <cstring>

#include "lua_api_extras.hpp"

namespace scriptlet {

namespace {

CallContext* self(lua_State* L) { return checkCall(L, 1, HandleKind::Message); }

constexpr const char* kEcStringType = "scriptlet.ec_string";
enum EnvelopeFlag : int { kEnvFrom = 1, kEnvTo = 2, kEnvComplete = 4 };

// [-0, +0] Whether the value at idx is an ec_string.
bool isEcString(lua_State* L, int idx) { return isUserdataOf(L, idx, kEcStringType); }

// [-0, +0] The ec_string at idx, or raises naming the argument.
void checkEcString(lua_State* L, int idx) {
  if (!isEcString(L, idx)) luaL_typerror(L, idx, "ec_string (from msys.core.string_new())");
}

// [-0, +0] Sets the ec_string at idx to s (kept in its environment table,
// so that Lua's allocator, and its memory cap, holds the bytes).
void setEcString(lua_State* L, int idx, const char* s, size_t n) {
  lua_getfenv(L, idx);
  lua_pushlstring(L, s, n);
  lua_rawseti(L, -2, 1);
  lua_pop(L, 1);
}

// [-0, +1] The text of the ec_string at idx ("" until set).
void pushEcString(lua_State* L, int idx) {
  lua_getfenv(L, idx);
  lua_rawgeti(L, -1, 1);
  lua_remove(L, -2);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushliteral(L, "");
  }
}

int ecStringToString(lua_State* L) {
  checkEcString(L, 1);
  pushEcString(L, 1);
  return 1;
}

int ecStringLen(lua_State* L) {
  checkEcString(L, 1);
  pushEcString(L, 1);
  lua_pushinteger(L, static_cast<lua_Integer>(lua_objlen(L, -1)));
  return 1;
}

// a .. b where either side is an ec_string.
int ecStringConcat(lua_State* L) {
  for (int i = 1; i <= 2; i++) {
    if (isEcString(L, i)) {
      pushEcString(L, i);
      lua_replace(L, i);
    } else if (!lua_isstring(L, i)) {
      return luaL_error(L, "attempt to concatenate an ec_string with a %s value", luaL_typename(L, i));
    }
  }
  lua_concat(L, 2);
  return 1;
}

// msys.core.string_new() -> an empty ec_string (an out-parameter).
int stringNew(lua_State* L) {
  lua_newuserdata(L, 1);
  luaL_getmetatable(L, kEcStringType);
  lua_setmetatable(L, -2);
  lua_createtable(L, 1, 0);
  lua_setfenv(L, -2);
  return 1;
}

// The recipient msg:rcptto() reads: the call's own, else the first, else "".
const std::string& currentRecipient(CallContext* call) {
  static const std::string kNone;
  if (call->rcptto.empty()) return kNone;
  int at = call->currentRcpt >= 0 && call->currentRcpt < static_cast<int>(call->rcptto.size()) ? call->currentRcpt : 0;
  return call->rcptto[at];
}

// [-0, +1] "ip", "port" or "ip:port" ([ip]:port for IPv6) of an address;
// "" for what the host did not give (port 0 is unknown).
int pushAddress(lua_State* L, const std::string& ip, int port, int flagIdx) {
  const char* flag = luaL_optstring(L, flagIdx, "all");
  bool wantIp = std::strcmp(flag, "ip") == 0, wantPort = std::strcmp(flag, "port") == 0;
  if (!wantIp && !wantPort && std::strcmp(flag, "all") != 0) luaL_argerror(L, flagIdx, "flag must be 'ip', 'port' or 'all'");
  if (wantIp || (!wantPort && (ip.empty() || port <= 0))) {
    lua_pushlstring(L, ip.data(), ip.size());
  } else if (wantPort) {
    if (port > 0) lua_pushfstring(L, "%d", port);
    else lua_pushliteral(L, "");
  } else {
    bool v6 = ip.find(':') != std::string::npos;
    lua_pushfstring(L, v6 ? "[%s]:%d" : "%s:%d", ip.c_str(), port);
  }
  return 1;
}

}  // namespace

// msg:context_exists_and_get(type, key) -> 1, value | 0, nil
int msgContextExistsAndGet(lua_State* L) {
  const char* key;
  size_t len;
  ContextMap* ctx = checkContextKey(L, self(L), 2, &key, &len);
  const std::string* v = ctx->get(key, len);
  if (!v) {
    lua_pushinteger(L, 0);
    lua_pushnil(L);
    return 2;
  }
  lua_pushinteger(L, 1);
  lua_pushlstring(L, v->data(), v->size());
  return 2;
}

// msg:get_envelope2(flags, localpart, domain): fills the two ec_strings
// with the sender's (EC_MSG_ENV_FROM) or the recipient's (EC_MSG_ENV_TO)
// local part and domain; with EC_MSG_ENV_COMPLETE added, the first gets the
// whole address and the second, if given, the domain.
int msgGetEnvelope2(lua_State* L) {
  CallContext* call = self(L);
  lua_Integer flags = luaL_checkinteger(L, 2);
  lua_Integer which = flags & (kEnvFrom | kEnvTo);
  bool complete = (flags & kEnvComplete) != 0;
  if ((which != kEnvFrom && which != kEnvTo) || (flags & ~static_cast<lua_Integer>(kEnvFrom | kEnvTo | kEnvComplete)))
    luaL_argerror(L, 2, "flags must be msys.core.EC_MSG_ENV_FROM or EC_MSG_ENV_TO, optionally plus EC_MSG_ENV_COMPLETE");
  checkEcString(L, 3);
  bool haveDomain = !complete || !lua_isnoneornil(L, 4);
  if (haveDomain) checkEcString(L, 4);
  call->ensureFacts();
  const std::string& address = which == kEnvFrom ? call->mailfrom : currentRecipient(call);
  size_t at = address.rfind('@');
  size_t localLen = at == std::string::npos ? address.size() : at;
  const char* domain = at == std::string::npos ? "" : address.c_str() + at + 1;
  setEcString(L, 3, address.data(), complete ? address.size() : localLen);
  if (haveDomain) setEcString(L, 4, domain, std::strlen(domain));
  return 0;
}

// msg:listener_addr([flag]): where the message came in (the host's
// localAddr/localPort).
int msgListenerAddr(lua_State* L) {
  CallContext* call = self(L);
  call->ensureFacts();
  return pushAddress(L, call->localAddr, call->localPort, 2);
}

// msg:reception_peer([flag]): who sent it (remoteAddr/remotePort).
int msgReceptionPeer(lua_State* L) {
  CallContext* call = self(L);
  call->ensureFacts();
  return pushAddress(L, call->remoteAddr, call->remotePort, 2);
}

// msg:get_code() -> code, text, as msg:code() (nothing while none is set).
int msgGetCode(lua_State* L) {
  const Disposition& d = self(L)->verdict.disposition;
  if (!d.set) return 0;
  lua_pushinteger(L, d.code);
  lua_pushlstring(L, d.text.data(), d.text.size());
  return 2;
}

// msg:set_code(code, text), as msg:code(code, text).
int msgSetCode(lua_State* L) {
  setDisposition(L, self(L), 2, 3);
  return 0;
}

int pushMessageIdField(lua_State* L, CallContext* call, const char* key, size_t len) {
  bool conn = len == 7 && std::memcmp(key, "conn_id", 7) == 0;
  bool batch = len == 8 && std::memcmp(key, "batch_id", 8) == 0;
  if (!conn && !batch) return 0;
  call->ensureFacts();
  // One message a batch here: the batch is named by the message's id.
  const std::string& v = conn ? call->connId : call->messageId;
  lua_pushlstring(L, v.data(), v.size());
  return 1;
}

void installEcString(lua_State* L) {
  luaL_newmetatable(L, kEcStringType);
  lua_pushcfunction(L, ecStringToString);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, ecStringLen);
  lua_setfield(L, -2, "__len");
  lua_pushcfunction(L, ecStringConcat);
  lua_setfield(L, -2, "__concat");
  lua_pushliteral(L, "ec_string");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lua_getglobal(L, "msys");
  lua_getfield(L, -1, "core");
  lua_pushcfunction(L, stringNew);
  lua_setfield(L, -2, "string_new");
  lua_pushinteger(L, kEnvFrom);
  lua_setfield(L, -2, "EC_MSG_ENV_FROM");
  lua_pushinteger(L, kEnvTo);
  lua_setfield(L, -2, "EC_MSG_ENV_TO");
  lua_pushinteger(L, kEnvComplete);
  lua_setfield(L, -2, "EC_MSG_ENV_COMPLETE");
  lua_pop(L, 2);
}

}  // namespace scriptlet
