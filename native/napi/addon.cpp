// The addon's entry point. Per-load state lives in instance data (the addon
// is loaded once per worker thread), freed by Node-API's cleanup.
#include <napi.h>

#include "../message_view.hpp"
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
                             InstanceMethod<&ScriptletAddon::ParseHeaders>("parseHeaders", napi_enumerable),
                         });
  }

  // parseHeaders(message: Buffer) -> [name, value][]: the header fields as
  // the Lua API sees them (unfolded, trimmed, not decoded), in order.
  Napi::Value ParseHeaders(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "parseHeaders(message: Buffer)");
    auto buf = info[0].As<Napi::Buffer<char>>();
    MessageView view;
    view.reset(buf.Data(), buf.Length());
    Napi::Array out = Napi::Array::New(env, view.headerCount());
    uint32_t i = 0;
    view.forEachField([&](const char* name, size_t nameLen, const char* value, size_t valueLen) {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, Napi::String::New(env, name, nameLen));
      pair.Set(1u, Napi::String::New(env, value, valueLen));
      out.Set(i++, pair);
    });
    return out;
  }

 private:
  Napi::FunctionReference masterConstructor_;
};

}  // namespace scriptlet

using scriptlet::ScriptletAddon;
NODE_API_ADDON(ScriptletAddon)
