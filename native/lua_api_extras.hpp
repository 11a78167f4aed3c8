// The second part of Momentum's msg/vctx/accept API (issue 17): the methods
// real policies use beyond the core, each group in its own file. The method
// tables in lua_message.cpp and lua_vctx.cpp name them; lua_call_handle.cpp
// gives vctx its one writable field and accept its methods.
#pragma once

#include "lua_api.hpp"

namespace scriptlet {

// lua_message_envelope.cpp: msg:context_exists_and_get, get_envelope2,
// listener_addr, reception_peer, get_code, set_code.
int msgContextExistsAndGet(lua_State* L);
int msgGetEnvelope2(lua_State* L);
int msgListenerAddr(lua_State* L);
int msgReceptionPeer(lua_State* L);
int msgGetCode(lua_State* L);
int msgSetCode(lua_State* L);
// [-0, +1] msg.conn_id and msg.batch_id (key at 2); 0 for another key.
int pushMessageIdField(lua_State* L, CallContext* call, const char* key, size_t len);
// [-0, +0] The ec_string metatable, msys.core.string_new, EC_MSG_ENV_*.
void installEcString(lua_State* L);

// lua_message_inject.cpp: msg:inject, msg:build, msg:forward.
int msgInject(lua_State* L);
int msgBuild(lua_State* L);
int msgForward(lua_State* L);

// lua_vctx_recipients.cpp: vctx:recipient_list, add_recipient,
// remove_recipient, tarpit, exists; and vctx.disconnect = 1.
int vctxRecipientList(lua_State* L);
int vctxAddRecipient(lua_State* L);
int vctxRemoveRecipient(lua_State* L);
int vctxTarpit(lua_State* L);
int vctxExists(lua_State* L);
// [-0, +0] vctx.key = value (key at 2, value at 3): only "disconnect".
void setVctxField(lua_State* L, CallContext* call);

// lua_accept.cpp: ac:esmtp_capability_add / _remove.
// [-0, +1] The table of accept methods.
void pushAcceptMethods(lua_State* L, RunningCall running);
// [-0, +0] msys.core.accept_construct_get_message_construct (lua_accept.cpp).
void installAcceptConstruct(lua_State* L, RunningCall running);

// [-0, +0] msys.core.string_new, msys.core.ec_message_new, the EC_MSG_ENV_*
// constants, and the msys.extended.vctx / .ac modules (after installMsys).
void installMessageExtras(lua_State* L, RunningCall running);

// Limits shared by the files above.
constexpr size_t kMaxAddressBytes = 320;       // RFC 5321: 64 + 1 + 255
constexpr size_t kMaxRecipients = 1000;        // an envelope's list after a change
constexpr size_t kMaxInjectedPerCall = 100;    // msg:inject + msg:forward in one call
constexpr size_t kMaxBuiltMessageBytes = 32u << 20;
constexpr double kMaxTarpitSeconds = 300;

// [-0, +0] Walks the addresses at idx (a string, comma-separated, or an
// array of strings), each without its <> and white space around it. With
// add null it only checks them, raising with fname and the argument number
// on a bad one; with add it calls add(out, address, n) for each and raises
// nothing (check first). Returns how many there are.
size_t walkAddresses(lua_State* L, int idx, const char* fname, void (*add)(void* out, const char* a, size_t n), void* out);
// True when s (n bytes, already without <>) can be an envelope address.
bool isEnvelopeAddress(const char* s, size_t n, bool allowEmpty);

}  // namespace scriptlet
