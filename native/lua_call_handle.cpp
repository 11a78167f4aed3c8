// The userdata handles msg, vctx and accept share, and the helpers every
// method of theirs starts with.
#include <cstring>

#include "lua_api.hpp"

namespace scriptlet {

const char* const kMessageMeta = "scriptlet.msg";
const char* const kVctxMeta = "scriptlet.vctx";
const char* const kAcceptMeta = "scriptlet.accept";

void pushCallHandle(lua_State* L, CallContext* call, int metaRef) {
  auto* h = static_cast<CallHandle*>(lua_newuserdata(L, sizeof(CallHandle)));
  h->call = call;
  h->serial = call->serial;
  lua_rawgeti(L, LUA_REGISTRYINDEX, metaRef);
  lua_setmetatable(L, -2);
}

CallContext* checkCall(lua_State* L, int idx, const char* meta) {
  auto* h = static_cast<CallHandle*>(luaL_checkudata(L, idx, meta));
  if (h->call->serial != h->serial) {
    const char* what = meta == kMessageMeta ? "msg" : meta == kVctxMeta ? "vctx" : "accept";
    luaL_error(L, "%s used after the call it was given to has ended", what);
  }
  return h->call;
}

ContextMap* checkContextKey(lua_State* L, CallContext* call, int typeIdx, const char** key, size_t* len) {
  lua_Integer type = luaL_checkinteger(L, typeIdx);
  if (type != kContextMess && type != kContextConn)
    luaL_argerror(L, typeIdx, "context type must be msys.core.VCTX_MESS or msys.core.VCTX_CONN");
  *key = luaL_checklstring(L, typeIdx + 1, len);
  return type == kContextMess ? &call->mess : &call->conn;
}

int pushContextValue(lua_State* L, CallContext* call, int typeIdx) {
  const char* key;
  size_t len;
  ContextMap* ctx = checkContextKey(L, call, typeIdx, &key, &len);
  const std::string* v = ctx->get(key, len);
  if (v) lua_pushlstring(L, v->data(), v->size());
  else lua_pushnil(L);
  return 1;
}

void setContextValue(lua_State* L, CallContext* call, int typeIdx) {
  const char* key;
  size_t klen;
  ContextMap* ctx = checkContextKey(L, call, typeIdx, &key, &klen);
  if (lua_isnoneornil(L, typeIdx + 2)) {
    ctx->erase(key, klen);
    return;
  }
  size_t vlen;
  const char* value = luaL_checklstring(L, typeIdx + 2, &vlen);
  ctx->set(key, klen, value, vlen);
}

void setDisposition(lua_State* L, CallContext* call, int codeIdx, int textIdx) {
  lua_Integer code = luaL_checkinteger(L, codeIdx);
  if (code < 200 || code > 599) luaL_argerror(L, codeIdx, "SMTP reply code must be from 200 to 599");
  size_t len;
  const char* text = luaL_optlstring(L, textIdx, "", &len);
  if (std::memchr(text, '\r', len) || std::memchr(text, '\n', len))
    luaL_argerror(L, textIdx, "SMTP reply text must not contain a line break");
  Disposition& d = call->verdict.disposition;
  d.set = true;
  d.code = static_cast<int>(code);
  d.text.assign(text, len);
}

namespace {
const char kSuspensionMarker = 0;
}  // namespace

int yieldSuspension(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&kSuspensionMarker));
  return lua_yield(L, 1);
}

bool isSuspensionYield(lua_State* co, int status) {
  return status == LUA_YIELD && lua_gettop(co) == 1 && lua_touserdata(co, 1) == &kSuspensionMarker;
}

bool skipShebang(const char** source, size_t* len) {
  const char* s = *source;
  size_t n = *len;
  size_t first = 0;  // where the code starts, after the line break we keep
  if (n > 0 && s[0] == '#') {
    const void* lf = std::memchr(s, '\n', n);
    size_t skip = lf ? static_cast<const char*>(lf) - s : n;
    s += skip;
    n -= skip;
    first = n > 0 ? 1 : 0;
  }
  *source = s;
  *len = n;
  return !(n > first && s[first] == '\033');
}

}  // namespace scriptlet
