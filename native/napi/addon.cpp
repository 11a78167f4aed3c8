// The addon's entry point. Per-load state lives in instance data (the addon
// is loaded once per worker thread), freed by Node-API's cleanup.
#include <napi.h>

#include "../util/lua_headers.hpp"
#include "master_object.hpp"

namespace scriptlet {

class ScriptletAddon : public Napi::Addon<ScriptletAddon> {
 public:
  ScriptletAddon(Napi::Env env, Napi::Object exports) {
    Napi::Function master = MasterObject::Define(env);
    masterConstructor_ = Napi::Persistent(master);
    DefineAddon(exports, {
                             InstanceValue("Master", master, napi_enumerable),
                             InstanceValue("engine", Napi::String::New(env, kEngineId), napi_enumerable),
                             InstanceValue("engineVersion", Napi::String::New(env, kEngineName), napi_enumerable),
                         });
  }

 private:
  Napi::FunctionReference masterConstructor_;
};

}  // namespace scriptlet

using scriptlet::ScriptletAddon;
NODE_API_ADDON(ScriptletAddon)
