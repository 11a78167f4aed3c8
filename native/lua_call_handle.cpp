// The userdata handles msg, vctx and accept share, and the helpers every
// method of theirs starts with.
#include <cstring>

#include "lua_api_extras.hpp"

namespace scriptlet {

namespace {

// The serial of a call takes the bits above the kind. LuaJIT keeps the low
// 39 bits of a light userdata as they are (its upper ones name a segment),
// so the serial wraps after 2^37 calls of one master, which is rebuilt
// long before (script_ttl).
constexpr uintptr_t kKindBits = 2;
constexpr uintptr_t kKindMask = (1u << kKindBits) - 1;
constexpr uintptr_t kSerialMask = (uintptr_t{1} << 37) - 1;

uintptr_t encode(uint64_t serial, HandleKind kind) {
  return ((static_cast<uintptr_t>(serial) & kSerialMask) << kKindBits) | static_cast<uintptr_t>(kind);
}

// The kind of the value at idx if it is a handle (else 0), and its serial.
uintptr_t kindAt(lua_State* L, int idx, uint64_t* serial) {
  *serial = 0;
  if (lua_type(L, idx) != LUA_TLIGHTUSERDATA) return 0;
  auto v = reinterpret_cast<uintptr_t>(lua_touserdata(L, idx));
  *serial = v >> kKindBits;
  return v & kKindMask;
}

const char* typeName(HandleKind kind) {
  return kind == HandleKind::Message ? "scriptlet.msg" : kind == HandleKind::Vctx ? "scriptlet.vctx" : "scriptlet.accept";
}

const char* shortName(uintptr_t kind) {
  return kind == static_cast<uintptr_t>(HandleKind::Message) ? "msg"
         : kind == static_cast<uintptr_t>(HandleKind::Vctx)  ? "vctx"
                                                             : "accept";
}

CallContext* running(lua_State* L) {
  return *static_cast<RunningCall>(lua_touserdata(L, lua_upvalueindex(1)));
}

// [-0, +0] The live call behind a handle of kind at idx, or raises.
CallContext* liveCall(lua_State* L, uintptr_t kind, uint64_t serial) {
  CallContext* call = running(L);
  if (!call || (call->serial & kSerialMask) != serial)
    luaL_error(L, "%s used after the call it was given to has ended", shortName(kind));
  return call;
}

// [-0, +1] __index of every handle: upvalues (running, msg methods, vctx
// methods, accept methods). A method is looked up without checking that
// the call is live (the method checks); a field of a call that ended raises.
int handleIndex(lua_State* L) {
  uint64_t serial;
  uintptr_t kind = kindAt(L, 1, &serial);
  if (kind == 0) return 0;
  int methods = kind == static_cast<uintptr_t>(HandleKind::Message) ? 2 : kind == static_cast<uintptr_t>(HandleKind::Vctx) ? 3 : 4;
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(methods));
  if (!lua_isnil(L, -1) || kind == static_cast<uintptr_t>(HandleKind::Vctx)) return 1;
  lua_pop(L, 1);
  if (kind == static_cast<uintptr_t>(HandleKind::Accept)) return pushAcceptField(L, liveCall(L, kind, serial));
  size_t len;
  const char* key = lua_tolstring(L, 2, &len);
  if (!key) return 0;
  if (len == 2 && std::memcmp(key, "id", 2) == 0) return pushMessageField(L, liveCall(L, kind, serial));
  if ((len == 7 && std::memcmp(key, "conn_id", 7) == 0) || (len == 8 && std::memcmp(key, "batch_id", 8) == 0))
    return pushMessageIdField(L, liveCall(L, kind, serial), key, len);
  return 0;
}

// [-0, +0] __newindex of every handle: only vctx.disconnect can be set
// (Momentum scripts write vctx.disconnect = 1); upvalue: running.
int handleNewIndex(lua_State* L) {
  uint64_t serial;
  uintptr_t kind = kindAt(L, 1, &serial);
  if (kind == static_cast<uintptr_t>(HandleKind::Vctx)) {
    setVctxField(L, liveCall(L, kind, serial));
    return 0;
  }
  return luaL_error(L, "cannot set field '%s' of %s", lua_isstring(L, 2) ? lua_tostring(L, 2) : luaL_typename(L, 2),
                    kind == 0 ? "a light userdata" : shortName(kind));
}

// [-0, +1] __tostring: "msg: <id>" (or "(ended)"); vctx and accept as
// userdata print.
int handleToString(lua_State* L) {
  uint64_t serial;
  uintptr_t kind = kindAt(L, 1, &serial);
  if (kind != static_cast<uintptr_t>(HandleKind::Message)) {
    lua_pushfstring(L, "userdata: %p", lua_touserdata(L, 1));
    return 1;
  }
  CallContext* call = running(L);
  bool live = call && (call->serial & kSerialMask) == serial;
  if (live) call->ensureFacts();
  lua_pushfstring(L, "msg: %s", live ? call->messageId.c_str() : "(ended)");
  return 1;
}

// [-0, +1] getmetatable, which names a handle's kind ("msg", "vctx",
// "accept") as each one's sealed metatable did; upvalue: the original.
int getmetatableOfHandle(lua_State* L) {
  luaL_checkany(L, 1);
  uint64_t serial;
  uintptr_t kind = kindAt(L, 1, &serial);
  if (kind != 0) {
    lua_pushstring(L, shortName(kind));
    return 1;
  }
  lua_settop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 1, 1);
  return 1;
}

}  // namespace

void installHandles(lua_State* L, RunningCall runningCall) {
  lua_pushlightuserdata(L, nullptr);
  lua_createtable(L, 0, 3);
  lua_pushlightuserdata(L, const_cast<CallContext**>(runningCall));
  pushMessageMethods(L, runningCall);
  pushVctxMethods(L, runningCall);
  pushAcceptMethods(L, runningCall);
  lua_pushcclosure(L, handleIndex, 4);
  lua_setfield(L, -2, "__index");
  lua_pushlightuserdata(L, const_cast<CallContext**>(runningCall));
  lua_pushcclosure(L, handleNewIndex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushlightuserdata(L, const_cast<CallContext**>(runningCall));
  lua_pushcclosure(L, handleToString, 1);
  lua_setfield(L, -2, "__tostring");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);  // for every light userdata of this state
  lua_pop(L, 1);
  lua_getglobal(L, "getmetatable");
  lua_pushcclosure(L, getmetatableOfHandle, 1);
  lua_setglobal(L, "getmetatable");
}

void pushMethodTable(lua_State* L, const luaL_Reg* methods, RunningCall running) {
  lua_newtable(L);
  for (const luaL_Reg* r = methods; r->name; r++) {
    lua_pushlightuserdata(L, const_cast<CallContext**>(running));
    lua_pushcclosure(L, r->func, 1);
    lua_setfield(L, -2, r->name);
  }
}

void pushCallHandle(lua_State* L, CallContext* call, HandleKind kind) {
  lua_pushlightuserdata(L, reinterpret_cast<void*>(encode(call->serial, kind)));
}

CallContext* checkCall(lua_State* L, int idx, HandleKind kind) {
  uint64_t serial;
  if (kindAt(L, idx, &serial) != static_cast<uintptr_t>(kind)) luaL_typerror(L, idx, typeName(kind));
  return liveCall(L, static_cast<uintptr_t>(kind), serial);
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
  // Not set: one of the variables the engine derives from the facts, if it is one.
  std::string& derived = call->scratch.text;
  if (!v && standardContextValue(call, ctx == &call->conn, key, len, &derived)) v = &derived;
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
