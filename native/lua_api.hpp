// Installers for the Lua API a policy sees (msys.*, msg:*, vctx:*, accept,
// the bytecode-refusing loaders), and the handle shared by msg/vctx/accept.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "call_context.hpp"
#include "util/lua_headers.hpp"

namespace scriptlet {

class MasterState;

// [-0, +1] What msys.sleep/dnsLookup yield: a light userdata no script can
// make, so that the resumer knows a suspension from any other yield.
int yieldSuspension(lua_State* L);
bool isSuspensionYield(lua_State* co, int status);

// msys.core values. Scripts use the names; the numbers are ours.
enum ValidateCode : int { kValidateCont = 0, kValidateDone = 1, kValidateAgain = 2 };
enum ContextType : int { kContextMess = 0, kContextConn = 1 };

// msg, vctx and accept are light userdata: the kind in the low two bits and
// the serial of the call they were given to above (see lua_call_handle.cpp).
// Making one allocates nothing, and one kept past its call raises, because
// its serial is not the running call's any more.
enum class HandleKind : uintptr_t { Message = 1, Accept = 2, Vctx = 3 };

// What the handles' functions find in their first upvalue: where the master
// keeps the call that is running now (null between calls).
using RunningCall = CallContext* const*;

// [-0, +0] Each sets up globals, metatables or package entries on L.
void installMsys(lua_State* L, MasterState* master);
// installHandles makes the metatable all light userdata share, from the
// method tables (upvalue: running) that the other two push.
void installHandles(lua_State* L, RunningCall running);
// [-0, +1] The table of msg:* / vctx:* methods.
void pushMessageMethods(lua_State* L, RunningCall running);
void pushVctxMethods(lua_State* L, RunningCall running);
// [-0, +1] msg.id, accept.remote_addr and the other fields (key at 2) of a
// live handle: pushes the value, or nothing (returns 0).
int pushMessageField(lua_State* L, CallContext* call);
int pushAcceptField(lua_State* L, CallContext* call);
void installLoaders(lua_State* L, MasterState* master);
// MIME (lua_mime.cpp): the msgpart metatable and msys.core.EC_MIME_TE_*;
// msg:mime/text/makePart/... added to the msg method table at -1.
void installMime(lua_State* L, RunningCall running);
void installMimeConstants(lua_State* L);
void addMimeMessageMethods(lua_State* L, RunningCall running);
// msys.base64 and msys.qp (lua_codecs.cpp).
void installCodecs(lua_State* L);
// [-0, +0] The configured bindings, for msg:binding / msg:binding_group and
// msys.core.config_get_binding_* (lua_binding.cpp); after installMsys.
struct BindingGroup;
void installBindings(lua_State* L, const std::vector<std::string>& bindings, const std::vector<BindingGroup>& groups);
// [-0, +0] msys.expandMacro (lua_expand_macro.cpp); after installMsys.
void installExpandMacro(lua_State* L, MasterState* master);
// msg:binding and msg:binding_group (lua_binding.cpp), for the msg method table.
int msgBinding(lua_State* L);
int msgBindingGroup(lua_State* L);
// msg:routing_domain([domain]) (lua_routing.cpp), for the msg method table.
int msgRoutingDomain(lua_State* L);
// [-0, +0] The value of a context variable the engine derives from the
// call's facts (ehlo_domain, mailfrom_localpart, message_rcpt_count, ...),
// into out; false when key is not one (standard_context.cpp).
bool standardContextValue(CallContext* call, bool conn, const char* key, size_t len, std::string* out);

// [-0, +0] The sandbox (lua_sandbox.cpp): installed on a fresh state before
// any script loads (throws std::runtime_error if it cannot be); sealed after
// init(), when the scripts' own globals join the base; and the globals calls
// set cleared once no call is in progress.
void installSandbox(lua_State* L);
bool sealSandbox(lua_State* L, std::string* error);
void clearCallGlobals(lua_State* L);

// Skips a leading "#..." line (keeping its line break, so line numbers
// hold) and returns false when what follows is bytecode (starts with ESC).
bool skipShebang(const char** source, size_t* len);

// [-0, +1] A table of the functions in methods (to a {nullptr, nullptr}),
// each a closure over running.
void pushMethodTable(lua_State* L, const luaL_Reg* methods, RunningCall running);
// [-0, +1] Pushes the handle of that kind for call (a value, not an object).
void pushCallHandle(lua_State* L, CallContext* call, HandleKind kind);
// [-0, +0] The live call behind the handle at idx, which must be of that
// kind, or raises a Lua error. Only in functions whose upvalue 1 is the
// RunningCall.
CallContext* checkCall(lua_State* L, int idx, HandleKind kind);

// [-0, +0] Whether the value at idx is a full userdata whose metatable is the
// one registered as metaName (luaL_newmetatable): Lua 5.1 has no
// luaL_testudata, and luaL_checkudata raises where a caller wants to choose.
inline bool isUserdataOf(lua_State* L, int idx, const char* metaName) {
  if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return false;
  luaL_getmetatable(L, metaName);
  bool same = lua_rawequal(L, -1, -2) != 0;
  lua_pop(L, 2);
  return same;
}
// [-0, +0] For msg:context_* and vctx:get/set: the map the type number at
// typeIdx names, and the key (a string) just after it.
ContextMap* checkContextKey(lua_State* L, CallContext* call, int typeIdx, const char** key, size_t* len);
// [-0, +1] msg:context_get / vctx:get: pushes ctx[key] (type at typeIdx, key
// after it), or nil when there is none; returns 1.
int pushContextValue(lua_State* L, CallContext* call, int typeIdx);
// [-0, +0] msg:context_set / vctx:set: ctx[key] = value (string or number);
// a nil value removes the key. Type at typeIdx, key and value after it.
void setContextValue(lua_State* L, CallContext* call, int typeIdx);
// [-0, +0] Validates code and text and sets the disposition.
void setDisposition(lua_State* L, CallContext* call, int codeIdx, int textIdx);

}  // namespace scriptlet
