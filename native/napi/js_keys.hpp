// Property names the addon reads and writes on every call. Naming a property
// by a C string re-interns it on each access (a quarter of the per-call cost
// when measured), so each name is made into a V8 string at most once per
// run()/runBatch() and reused for every message of the batch. A batch
// therefore opens no HandleScope per message: its handles must outlive it. (Node 20 cannot
// hold a persistent reference to a string, or it would be once per load.)
#pragma once

#include <napi.h>

namespace scriptlet {

#define SCRIPTLET_JS_KEYS(X)                                                                          \
  X(message) X(id) X(mailfrom) X(rcptto) X(rcpt) X(helo) X(remoteAddr) X(remotePort) X(localAddr)    \
  X(localPort) X(context) X(conn) X(mess) X(code) X(text) X(disconnect) X(discard) X(done)            \
  X(tempfailed) X(headerEdits) X(op) X(name) X(value) X(errors) X(module) X(callout) X(location)      \
  X(traceback) X(logs) X(callouts) X(connId) X(injected) X(forward) X(tarpit) X(esmtpCapabilities)  \
  X(capability) X(binding) X(bindingGroup) X(routingDomain)

class JsKeys {
 public:
  explicit JsKeys(napi_env env) : env_(env) {}

#define SCRIPTLET_KEY_GETTER(k) \
  napi_value k() const { return get(Key::k, #k); }
  SCRIPTLET_JS_KEYS(SCRIPTLET_KEY_GETTER)
#undef SCRIPTLET_KEY_GETTER

 private:
  enum class Key {
#define SCRIPTLET_KEY_ENUM(k) k,
    SCRIPTLET_JS_KEYS(SCRIPTLET_KEY_ENUM)
#undef SCRIPTLET_KEY_ENUM
        Count
  };

  napi_value get(Key key, const char* name) const {
    napi_value& slot = cache_[static_cast<int>(key)];
    if (!slot) napi_create_string_latin1(env_, name, NAPI_AUTO_LENGTH, &slot);
    return slot;
  }

  napi_env env_;
  mutable napi_value cache_[static_cast<int>(Key::Count)] = {};
};

}  // namespace scriptlet
