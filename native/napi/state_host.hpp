// The host's side of the shared store (src/state/): configure persistence
// and the inbound audit, report sessions and their outcomes, read counts.
#pragma once

#include <napi.h>

namespace scriptlet {

// Adds the state* and audit* functions to the addon's exports.
void defineStateHost(Napi::Env env, Napi::Object exports);

}  // namespace scriptlet
