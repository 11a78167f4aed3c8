// The spool's durable write on libuv's threadpool, one job a message
// (src/server/spool.ts).
#pragma once

#include <napi.h>

namespace scriptlet {

// Adds writeDurably and syncDirectory to the addon's exports.
void defineDurableWrite(Napi::Env env, Napi::Object exports);

}  // namespace scriptlet
