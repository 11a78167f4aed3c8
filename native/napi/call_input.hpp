// Reading one call's input (a plain JS object) into a CallContext.
#pragma once

#include <napi.h>

#include "../call_context.hpp"
#include "js_keys.hpp"

namespace scriptlet {

// One call's input while the call runs. The lazy loaders of the CallContext
// point here, so it must outlive the call (it lives on runOne's stack).
// Only the message is read up front; the input object is fetched from the
// inputs array the first time the script asks for a fact or a context.
struct HostInput {
  Napi::Env env;
  const JsKeys& keys;
  Napi::Array inputs;
  uint32_t index;
  int32_t flags;  // kInputHasConn | kInputHasMess, set by the TypeScript side
  Napi::Object input;  // empty until fetched
  Napi::Object object();
};

constexpr int32_t kInputHasConn = 1;
constexpr int32_t kInputHasMess = 2;

// Borrows message (a Buffer, or undefined before DATA) and arranges for the
// envelope and session facts (id, connId, mailfrom, rcptto, rcpt, helo, remoteAddr,
// remotePort, localAddr, localPort) and the contexts (context.conn,
// context.mess) to be read only if the script asks for them.
void readCallInput(HostInput& host, Napi::Value message, CallContext* call);

// Phase from its index (the TypeScript side maps names to indexes).
Phase checkPhase(Napi::Env env, Napi::Value value);

}  // namespace scriptlet
