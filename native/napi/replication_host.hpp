// The host's side of replicate = "cluster" (native/state/series_replica.hpp):
// the sync loop on the main thread (src/state/redis-sync.ts) turns it on,
// drains the adds not yet sent and installs the totals Redis returned.
#pragma once

#include <napi.h>

namespace scriptlet {

// Adds the replication* functions to the addon's exports.
void defineReplicationHost(Napi::Env env, Napi::Object exports);

}  // namespace scriptlet
