// Master: the JS face of a MasterState. One per policy version per worker.
#pragma once

#include <napi.h>

#include <memory>
#include <unordered_map>

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
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value Abandon(const Napi::CallbackInfo& info);
  Napi::Value Configure(const Napi::CallbackInfo& info);
  Napi::Value GcParams(const Napi::CallbackInfo& info);
  Napi::Value Memory(const Napi::CallbackInfo& info);
  Napi::Value Reap(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value CalloutModules(const Napi::CallbackInfo& info);
  Napi::Value TakeLoadLogs(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void runOne(HostInput& host, Phase phase, Napi::Value message, bool allowSuspend, int32_t* ints, Napi::Array values,
              BatchText& text);
  // Encodes the call's verdict (and releases it), or parks it if suspended.
  void settle(Napi::Env env, const JsKeys& keys, CallContext* call, MasterState::RunStatus status, int32_t* ints,
              Napi::Array values, uint32_t index, BatchText& text);
  static Napi::Value batchResult(Napi::Env env, BatchText& text, Napi::Array values);

  std::unique_ptr<MasterState> state_;
  ContextKeyTable contextKeys_;  // numbered as they first cross; see context_keys.hpp
  std::unordered_map<uint32_t, CallContext*> suspended_;  // by id, until resumed to the end
  uint32_t nextSuspendId_ = 1;
};

}  // namespace scriptlet
