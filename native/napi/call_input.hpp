// Reading one call's input (a plain JS object) into a CallContext.
#pragma once

#include <napi.h>

#include "../call_context.hpp"

namespace scriptlet {

// Fills call from input: message (Buffer), id, mailfrom, rcptto, rcpt, helo,
// remoteAddr, remotePort, localAddr, localPort, context { conn, mess }.
// The message bytes are borrowed, and the contexts are read only if the
// script touches them: both must stay alive until the call ends.
void readCallInput(Napi::Env env, Napi::Object input, CallContext* call);

// Phase from its index (the TypeScript side maps names to indexes).
Phase checkPhase(Napi::Env env, Napi::Value value);

}  // namespace scriptlet
