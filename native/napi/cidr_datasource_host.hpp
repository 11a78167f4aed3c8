// Node's side of msys.cidr's "datasource" type: which tables want their
// query run, and the rows to build them from (src/datasource/cidr-loader.ts).
#pragma once

#include <napi.h>

namespace scriptlet {

// Adds cidrDatasourcesWanted and cidrDatasourceLoad to the addon's exports.
void defineCidrDatasourceHost(Napi::Env env, Napi::Object exports);

}  // namespace scriptlet
