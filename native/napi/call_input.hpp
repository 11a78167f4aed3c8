// Reading one call's input (a plain JS object) into a CallContext.
#pragma once

#include <napi.h>

#include "../call_context.hpp"
#include "js_keys.hpp"

namespace scriptlet {

// One call's input while the call runs. The lazy loaders of the CallContext
// point here, so it must outlive the call (it lives on runOne's stack).
struct HostInput {
  Napi::Env env;
  const JsKeys& keys;
  Napi::Object input;
  Napi::Value conn, mess;  // the input's context objects, if any
};

// Borrows the message bytes (input.message, a Buffer) and arranges for the
// envelope and session facts (id, mailfrom, rcptto, rcpt, helo, remoteAddr,
// remotePort, localAddr, localPort) and the contexts (context.conn,
// context.mess) to be read only if the script asks for them.
void readCallInput(HostInput& host, CallContext* call);

// Phase from its index (the TypeScript side maps names to indexes).
Phase checkPhase(Napi::Env env, Napi::Value value);

}  // namespace scriptlet
