// vctx:* — the validation context: both contexts and the SMTP reply — and
// accept, the facts of the connection (accept.remote_addr and friends).
#include <cstring>

#include "lua_api_extras.hpp"

namespace scriptlet {

namespace {

CallContext* self(lua_State* L) { return checkCall(L, 1, HandleKind::Vctx); }

// vctx:get(type, key) -> value or nil
int vctxGet(lua_State* L) { return pushContextValue(L, self(L), 2); }

// vctx:set(type, key, value); a nil value removes the key.
int vctxSet(lua_State* L) {
  setContextValue(L, self(L), 2);
  return 0;
}

// vctx:set_code(code, text)
int vctxSetCode(lua_State* L) {
  setDisposition(L, self(L), 2, 3);
  return 0;
}

// vctx:disconnect([code [, text]]): reply, then close the connection.
int vctxDisconnect(lua_State* L) {
  CallContext* call = self(L);
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_pushinteger(L, 421);
    lua_pushliteral(L, "4.7.0 Closing connection");
  }
  setDisposition(L, call, 2, 3);
  call->verdict.disposition.disconnect = true;
  return 0;
}

const luaL_Reg kVctxMethods[] = {
    {"get", vctxGet},
    {"set", vctxSet},
    {"set_code", vctxSetCode},
    {"disconnect", vctxDisconnect},
    {"recipient_list", vctxRecipientList},
    {"add_recipient", vctxAddRecipient},
    {"remove_recipient", vctxRemoveRecipient},
    {"tarpit", vctxTarpit},
    {"exists", vctxExists},
    {nullptr, nullptr},
};

}  // namespace

// accept.remote_addr, .remote_port, .local_addr, .local_port
int pushAcceptField(lua_State* L, CallContext* call) {
  call->ensureFacts();
  const char* key = luaL_checkstring(L, 2);
  if (std::strcmp(key, "remote_addr") == 0) {
    lua_pushlstring(L, call->remoteAddr.data(), call->remoteAddr.size());
  } else if (std::strcmp(key, "local_addr") == 0) {
    lua_pushlstring(L, call->localAddr.data(), call->localAddr.size());
  } else if (std::strcmp(key, "remote_port") == 0) {
    lua_pushinteger(L, call->remotePort);
  } else if (std::strcmp(key, "local_port") == 0) {
    lua_pushinteger(L, call->localPort);
  } else {
    return 0;
  }
  return 1;
}

void pushVctxMethods(lua_State* L, RunningCall running) {
  pushMethodTable(L, kVctxMethods, running);
}

}  // namespace scriptlet
