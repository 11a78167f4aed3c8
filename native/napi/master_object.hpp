// Master: the JS face of a MasterState. One per policy version per worker.
#pragma once

#include <napi.h>

#include <memory>

#include "../master_state.hpp"
#include "call_input.hpp"
#include "js_keys.hpp"
#include "verdict_js.hpp"

namespace scriptlet {

class MasterObject : public Napi::ObjectWrap<MasterObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MasterObject(const Napi::CallbackInfo& info);

 private:
  MasterState& state(const Napi::CallbackInfo& info);

  Napi::Value LoadScript(const Napi::CallbackInfo& info);
  Napi::Value Init(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value Configure(const Napi::CallbackInfo& info);
  Napi::Value GcParams(const Napi::CallbackInfo& info);
  Napi::Value Memory(const Napi::CallbackInfo& info);
  Napi::Value Reap(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value TakeLoadLogs(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void runOne(HostInput& host, Phase phase, Napi::Value message, int32_t* ints, Napi::Array values, BatchText& text);

  std::unique_ptr<MasterState> state_;
  ContextKeyTable contextKeys_;  // numbered as they first cross; see context_keys.hpp
};

}  // namespace scriptlet
