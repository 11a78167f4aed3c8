// The verdicts of a batch, encoded for the TypeScript side to build its
// Verdict objects from (src/engine/verdict.ts). Every Node-API call that
// makes or sets a value costs about a thousand instructions, more than a
// small policy's own work, so a verdict needs none in the common case:
//
//   ints[i*9 + 0]      reply code, 0 when the policy set none
//   ints[i*9 + 1]      flags (kFlag* below)
//   ints[i*9 + 2]      callouts run
//   ints[i*9 + 3, 4]   reply text: [start, end) in the batch text, or -1
//   ints[i*9 + 5, 6]   connection context, likewise, when the call changed it:
//                      for each entry the key's id as one character
//                      (U+0080 + id, see context_keys.hpp), the value's
//                      length in UTF-16 code units as two characters (high
//                      byte, low byte: a Latin-1 text stays Latin-1), then
//                      the value (so JS finds its end without a search)
//   ints[i*9 + 7, 8]   message context, likewise
//
// The batch text is one string for the whole batch (offsets in UTF-16 code
// units, as JS slices); keys first seen in the batch are returned beside it.
// A verdict whose strings are not valid UTF-8 or hold a NUL (or whose keys no
// longer fit the table, or a context value of 64 Ki code units or more) sets kFlagStringsInValues and puts them in values[i*2] as
// [text, connPairs, messPairs] instead. values[i*2 + 1] holds the rare rest
// { headerEdits, message, mailfrom, rcptto, errors, logs, injected,
// esmtpCapabilities, tarpit, binding, bindingGroup, routingDomain }, or nothing.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../call_context.hpp"
#include "batch_text.hpp"
#include "context_keys.hpp"
#include "js_keys.hpp"

namespace scriptlet {

constexpr int kIntsPerVerdict = 9;
constexpr int kValuesPerVerdict = 2;
constexpr int32_t kFlagDisposition = 1;
constexpr int32_t kFlagDisconnect = 2;
constexpr int32_t kFlagDiscard = 4;
constexpr int32_t kFlagDone = 8;
constexpr int32_t kFlagTempfailed = 16;
constexpr int32_t kFlagStringsInValues = 32;
// The call is suspended, not done: ints[i*9] holds its id for resume(), and
// values[i*2 + 1] what it waits for: { kind: 'sleep', seconds } or
// { kind: 'dnsLookup', name, type }.
constexpr int32_t kFlagSuspended = 64;

// A batch's values array (values[i*2], values[i*2 + 1] above), made only
// when a verdict needs it: most batches need none, and making one is a
// Node-API call, as every Set on it is.
class LazyValues {
 public:
  LazyValues(napi_env env, size_t length) : env_(env), length_(length) {}
  Napi::Array get() {
    if (array_.IsEmpty()) array_ = Napi::Array::New(env_, length_);
    return array_;
  }
  bool made() const { return !array_.IsEmpty(); }

 private:
  napi_env env_;
  size_t length_;
  Napi::Array array_;
};

void encodeSuspension(Napi::Env env, const CallContext* call, uint32_t id, int32_t* ints, LazyValues& values,
                      uint32_t index);

void encodeVerdict(Napi::Env env, const JsKeys& keys, ContextKeyTable& contextKeys, CallContext* call, int32_t* ints,
                   LazyValues& values, uint32_t index, BatchText& text);

}  // namespace scriptlet
