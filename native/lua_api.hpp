// Installers for the Lua API a policy sees (msys.*, msg:*, vctx:*, accept,
// the bytecode-refusing loaders), and the handle shared by msg/vctx/accept.
#pragma once

#include <cstdint>
#include <string>

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

// The userdata behind msg, vctx and accept. CallContexts are pooled for the
// master's lifetime, so the pointer stays valid; the serial tells whether the
// call it was made for is still the one running.
struct CallHandle {
  CallContext* call;
  uint64_t serial;
};

extern const char* const kMessageMeta;
extern const char* const kVctxMeta;
extern const char* const kAcceptMeta;

// [-0, +0] Each sets up globals, metatables or package entries on L.
void installMsys(lua_State* L, MasterState* master);
void installMessageApi(lua_State* L);
void installVctxApi(lua_State* L);
void installLoaders(lua_State* L, MasterState* master);

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

// [-0, +1] Pushes a new handle for call onto L; metaRef is the registry ref
// of its metatable (MasterState::handleMetaRef), which saves hashing the
// metatable's name on every call.
void pushCallHandle(lua_State* L, CallContext* call, int metaRef);
// [-0, +0] The live call behind the handle at idx, or raises a Lua error.
CallContext* checkCall(lua_State* L, int idx, const char* meta);
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
