// The verdict of one call as a plain JS object. Only what the call produced
// is set (no empty arrays, an untouched context is not copied back); the
// TypeScript side fills in the rest from the input.
#pragma once

#include <napi.h>

#include "../call_context.hpp"
#include "js_keys.hpp"

namespace scriptlet {

Napi::Object verdictToJs(Napi::Env env, const JsKeys& keys, CallContext* call);

}  // namespace scriptlet
