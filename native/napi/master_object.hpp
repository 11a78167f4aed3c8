// Master: the JS face of a MasterState. One per policy version per worker.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../master_state.hpp"
#include "call_args.hpp"
#include "call_input.hpp"
#include "js_keys.hpp"
#include "packed_input.hpp"
#include "verdict_js.hpp"

namespace scriptlet {

class MasterObject : public Napi::ObjectWrap<MasterObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MasterObject(const Napi::CallbackInfo& info);

 private:
  MasterState& state(Napi::Env env);
  MasterState& state(const Napi::CallbackInfo& info);

  Napi::Value LoadScript(const Napi::CallbackInfo& info);
  Napi::Value Init(const Napi::CallbackInfo& info);
  Napi::Value UseInts(const Napi::CallbackInfo& info);
  static napi_value RunEntry(napi_env env, napi_callback_info info);
  Napi::Value Run(Napi::Env env, const CallArgs& args);
  Napi::Value RunPacked(const Napi::CallbackInfo& info);
  Napi::Value RunSingle(const Napi::CallbackInfo& info);
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

  // Where a batch's verdicts are written (see verdict_js.hpp).
  struct BatchOut {
    int32_t* ints;
    LazyValues values;
    BatchText& text;
    ContextKeyTable& contextKeys;
  };
  // Runs call index: readInput(call) sets up its input, then its verdict is
  // written to out (or the call parked, if it suspended). pinned: the state
  // the batch's last call ran on, held until this one has.
  template <typename ReadInput>
  void runOne(Napi::Env env, const JsKeys& keys, Phase phase, bool allowSuspend, uint32_t index, ReadInput&& readInput,
              BatchOut& out, std::shared_ptr<MasterState>& pinned);
  // Encodes the call's verdict (and releases it), or parks it if suspended.
  void settle(Napi::Env env, const JsKeys& keys, const std::shared_ptr<MasterState>& master, CallContext* call,
              MasterState::RunStatus status, uint32_t index, BatchOut& out);
  // After a call ran out of memory: a fresh state from the same scripts
  // replaces this one (which lives on while calls suspended on it remain).
  void rebuildIfNeeded();
  static Napi::Value batchResult(Napi::Env env, BatchText& text, LazyValues& values);

  struct LoadedScript {
    std::string name, text, path;
  };
  struct SuspendedCall {
    CallContext* call;
    std::shared_ptr<MasterState> master;  // the state it runs on, perhaps no longer state_
  };

  std::shared_ptr<MasterState> state_;
  std::vector<LoadedScript> scripts_;  // what a rebuild loads again
  bool initialized_ = false;
  uint64_t rebuilds_ = 0;
  uint64_t failedRebuilds_ = 0;
  // run() and runSingle()'s numbers (useInts): held, so its memory stays where
  // it is; given once, for a typed-array lookup in Node-API costs a chain of
  // type checks.
  Napi::Reference<Napi::Int32Array> intsRef_;
  int32_t* ints_ = nullptr;
  size_t intsLength_ = 0;
  ContextKeyTable contextKeys_;  // numbered as they first cross; see context_keys.hpp
  ContextKeyTable packedKeys_;   // a packed batch's own keys, cleared for each (with text_'s lease)
  BatchText text_;                // every crossing's text, through a TextLease
  bool textBusy_ = false;
  std::unordered_map<uint32_t, SuspendedCall> suspended_;  // by id, until resumed to the end
  uint32_t nextSuspendId_ = 1;
};

}  // namespace scriptlet
