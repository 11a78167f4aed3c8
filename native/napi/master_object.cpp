#include "master_object.hpp"

#include "call_input.hpp"
#include "verdict_js.hpp"

namespace scriptlet {

namespace {

// Bounds the handles a batch keeps alive (it opens no scope per message).
constexpr uint32_t kMaxBatch = 4096;

int positiveInt(Napi::Env env, Napi::Object o, const char* key, int fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 1)
    throw Napi::RangeError::New(env, std::string(key) + " must be a positive integer");
  return v.As<Napi::Number>().Int32Value();
}

double nonNegative(Napi::Env env, Napi::Object o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0)
    throw Napi::RangeError::New(env, std::string(key) + " must be a non-negative integer");
  return v.As<Napi::Number>().DoubleValue();
}

bool flag(Napi::Object o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

// The limits in o, over cur: instructionLimit (count, 0: none), callTimeout
// (seconds, 0: none), memoryLimit (bytes, 0: none).
GuardLimits readLimits(Napi::Env env, Napi::Object o, const GuardLimits& cur) {
  GuardLimits l = cur;
  l.instructions = static_cast<uint64_t>(nonNegative(env, o, "instructionLimit", static_cast<double>(cur.instructions)));
  l.callTimeout = nonNegative(env, o, "callTimeout", cur.callTimeout);
  l.memory = static_cast<size_t>(nonNegative(env, o, "memoryLimit", static_cast<double>(cur.memory)));
  return l;
}

Napi::Value problemToJs(Napi::Env env, const LoadProblem& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("script", p.script);
  o.Set("message", p.message);
  o.Set("location", p.location);
  o.Set("traceback", p.traceback);
  return o;
}

// Options a running master can change: the same keys as at creation.
void applyOptions(Napi::Env env, Napi::Object o, MasterState& s) {
  const MasterOptions& cur = s.options();
  if (o.Has("gcPause")) s.setGcPause(positiveInt(env, o, "gcPause", cur.gcPause));
  if (o.Has("gcStepmul")) s.setGcStepmul(positiveInt(env, o, "gcStepmul", cur.gcStepmul));
  if (o.Has("alwaysGc")) s.setAlwaysGc(flag(o, "alwaysGc", cur.alwaysGc));
  if (o.Has("tempfailOnError")) s.setTempfailOnError(flag(o, "tempfailOnError", cur.tempfailOnError));
  if (o.Has("maxSparePerMaster"))
    s.setMaxSparePerMaster(static_cast<size_t>(nonNegative(env, o, "maxSparePerMaster", 0)));
  if (o.Has("maxUsesPerThread"))
    s.setMaxUsesPerThread(static_cast<uint32_t>(positiveInt(env, o, "maxUsesPerThread", 1)));
  if (o.Has("instructionLimit") || o.Has("callTimeout") || o.Has("memoryLimit"))
    s.setLimits(readLimits(env, o, cur.limits));
}

std::vector<std::string> stringList(Napi::Env env, Napi::Value v, const char* what) {
  std::vector<std::string> out;
  if (v.IsUndefined()) return out;
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of strings");
  auto list = v.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    if (!item.IsString()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of strings");
    out.push_back(item.As<Napi::String>().Utf8Value());
  }
  return out;
}

// bindings: string[]; bindingGroups: { name, bindings: string[] }[] (the
// configuration's binding and binding_group scopes).
void readBindings(Napi::Env env, Napi::Object o, MasterOptions* opts) {
  opts->bindings = stringList(env, o.Get("bindings"), "bindings");
  Napi::Value groups = o.Get("bindingGroups");
  if (groups.IsUndefined()) return;
  if (!groups.IsArray()) throw Napi::TypeError::New(env, "bindingGroups must be an array of { name, bindings }");
  auto list = groups.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value g = list.Get(i);
    if (!g.IsObject() || !g.As<Napi::Object>().Get("name").IsString())
      throw Napi::TypeError::New(env, "bindingGroups must be an array of { name, bindings }");
    Napi::Object go = g.As<Napi::Object>();
    opts->bindingGroups.push_back(BindingGroup{go.Get("name").As<Napi::String>().Utf8Value(),
                                               stringList(env, go.Get("bindings"), "bindingGroups[].bindings")});
  }
}

}  // namespace

Napi::Function MasterObject::Define(Napi::Env env) {
  Napi::Function master = DefineClass(env, "Master",
                     {
                         InstanceMethod<&MasterObject::LoadScript>("loadScript"),
                         InstanceMethod<&MasterObject::Init>("init"),
                         InstanceMethod<&MasterObject::UseInts>("useInts"),
                         InstanceMethod<&MasterObject::RunPacked>("runPacked"),
                         InstanceMethod<&MasterObject::RunSingle>("runSingle"),
                         InstanceMethod<&MasterObject::Resume>("resume"),
                         InstanceMethod<&MasterObject::Abandon>("abandon"),
                         InstanceMethod<&MasterObject::Configure>("configure"),
                         InstanceMethod<&MasterObject::GcParams>("gcParams"),
                         InstanceMethod<&MasterObject::Memory>("memory"),
                         InstanceMethod<&MasterObject::Reap>("reap"),
                         InstanceMethod<&MasterObject::Stats>("stats"),
                         InstanceMethod<&MasterObject::CalloutModules>("calloutModules"),
                         InstanceMethod<&MasterObject::TakeLoadLogs>("takeLoadLogs"),
                         InstanceMethod<&MasterObject::Close>("close"),
                     });
  // run takes a batch's messages as arguments, past the six an InstanceMethod reads without allocating.
  napi_value run = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_create_function(env, "run", NAPI_AUTO_LENGTH, &MasterObject::RunEntry, nullptr, &run), master);
  master.Get("prototype").As<Napi::Object>().DefineProperty(Napi::PropertyDescriptor::Value("run", Napi::Value(env, run), napi_default_method));
  return master;
}

// new Master({ gcPause, gcStepmul, alwaysGc, maxSparePerMaster,
//              maxUsesPerThread, tempfailOnError, searchPath, dataDirs,
//              instructionLimit, callTimeout, memoryLimit, sandbox,
//              bindings, bindingGroups })
MasterObject::MasterObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MasterObject>(info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  MasterOptions opts;
  opts.gcPause = positiveInt(env, o, "gcPause", opts.gcPause);
  opts.gcStepmul = positiveInt(env, o, "gcStepmul", opts.gcStepmul);
  opts.alwaysGc = flag(o, "alwaysGc", opts.alwaysGc);
  opts.tempfailOnError = flag(o, "tempfailOnError", opts.tempfailOnError);
  opts.maxSparePerMaster = static_cast<size_t>(nonNegative(env, o, "maxSparePerMaster", 5000));
  opts.maxUsesPerThread = static_cast<uint32_t>(positiveInt(env, o, "maxUsesPerThread", 5000));
  opts.limits = readLimits(env, o, opts.limits);
  opts.sandbox = flag(o, "sandbox", opts.sandbox);
  for (auto [key, dirs] : {std::pair{"searchPath", &opts.searchPath}, std::pair{"dataDirs", &opts.dataDirs}}) {
    Napi::Value value = o.Get(key);
    if (!value.IsArray()) continue;
    auto list = value.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) dirs->push_back(list.Get(i).ToString().Utf8Value());
  }
  readBindings(env, o, &opts);
  state_ = std::make_shared<MasterState>(opts);
}

MasterState& MasterObject::state(Napi::Env env) {
  if (!state_) throw Napi::Error::New(env, "this Master is closed");
  return *state_;
}

MasterState& MasterObject::state(const Napi::CallbackInfo& info) { return state(info.Env()); }

// loadScript(name, source, path) -> null | problem
Napi::Value MasterObject::LoadScript(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MasterState& s = state(info);
  if (!info[0].IsString() || !info[2].IsString() || !(info[1].IsString() || info[1].IsBuffer()))
    throw Napi::TypeError::New(env, "loadScript(name: string, source: string | Buffer, path: string)");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string path = info[2].As<Napi::String>().Utf8Value();
  std::string text;
  if (info[1].IsBuffer()) {
    auto b = info[1].As<Napi::Buffer<char>>();
    text.assign(b.Data(), b.Length());
  } else {
    text = info[1].As<Napi::String>().Utf8Value();
  }
  LoadProblem problem;
  if (!s.loadScript(name, text.data(), text.size(), path, &problem)) return problemToJs(env, problem);
  scripts_.push_back(LoadedScript{std::move(name), std::move(text), std::move(path)});
  return env.Null();
}

// init() -> null | problem
Napi::Value MasterObject::Init(const Napi::CallbackInfo& info) {
  LoadProblem problem;
  if (!state(info).initModules(&problem)) return problemToJs(info.Env(), problem);
  initialized_ = true;
  return info.Env().Null();
}

void MasterObject::rebuildIfNeeded() {
  if (!state_ || !state_->needsRebuild()) return;  // closed by a getter a call ran: nothing to rebuild
  auto fresh = std::make_shared<MasterState>(state_->options());
  LoadProblem problem;
  bool ok = true;
  for (const LoadedScript& s : scripts_)
    if (ok) ok = fresh->loadScript(s.name, s.text.data(), s.text.size(), s.path, &problem);
  if (ok && initialized_) ok = fresh->initModules(&problem);
  if (!ok) {  // cannot happen with the scripts that loaded before, short of memory
    failedRebuilds_++;
    state_->keepDespiteRebuild();
    return;
  }
  fresh->takeLoadLogs();
  state_ = std::move(fresh);
  rebuilds_++;
}

template <typename ReadInput>
void MasterObject::runOne(Napi::Env env, const JsKeys& keys, Phase phase, bool allowSuspend, uint32_t index,
                          ReadInput&& readInput, BatchOut& out, std::shared_ptr<MasterState>& pinned) {
  // The state is held through the call: a getter the call reads may close
  // this Master or run a batch that rebuilds its state. Pinned again only
  // when it moved: a copy a call was two atomic counts (~6 ns).
  if (pinned != state_) {
    if (!state_) throw Napi::Error::New(env, "this Master was closed while it ran a batch");
    pinned = state_;
  }
  const std::shared_ptr<MasterState>& master = pinned;
  MasterState& s = *master;
  CallContext* call = s.acquireCall();
  call->phase = phase;
  call->allowSuspend = allowSuspend;
  MasterState::RunStatus status;
  try {
    readInput(call);
    status = s.run(call);
  } catch (...) {
    s.releaseCall(call);
    throw;
  }
  settle(env, keys, master, call, status, index, out);
}

void MasterObject::settle(Napi::Env env, const JsKeys& keys, const std::shared_ptr<MasterState>& master,
                          CallContext* call, MasterState::RunStatus status, uint32_t index, BatchOut& out) {
  if (status == MasterState::RunStatus::Suspended) {
    uint32_t id = nextSuspendId_++;
    if (nextSuspendId_ > 0x7fffffff) nextSuspendId_ = 1;
    suspended_[id] = SuspendedCall{call, master};
    encodeSuspension(env, call, id, out.ints, out.values, index);
    return;
  }
  try {
    encodeVerdict(env, keys, out.contextKeys, call, out.ints, out.values, index, out.text);
  } catch (...) {
    master->releaseCall(call);
    throw;
  }
  master->releaseCall(call);
}

// The usual case is one string: the batch text, when no verdict needed
// values and no context key was numbered (each array is Node-API calls).
Napi::Value MasterObject::batchResult(Napi::Env env, BatchText& text, LazyValues& values) {
  if (!values.made() && text.freshKeys.empty()) return text.toJs(env);
  Napi::Array out = Napi::Array::New(env, 3);
  // As a napi_value: a Napi::String converts to std::string, and Set(uint32_t,
  // const std::string&) would win, copying the text out to UTF-8 and back.
  out.Set(0u, static_cast<napi_value>(text.toJs(env)));
  out.Set(1u, values.get());
  if (!text.freshKeys.empty()) {
    Napi::Array fresh = Napi::Array::New(env, text.freshKeys.size());
    for (size_t i = 0; i < text.freshKeys.size(); i++)
      fresh.Set(static_cast<uint32_t>(i), text.freshKeys[i]);
    out.Set(2u, fresh);
  }
  return out;
}

namespace {

// The data of an Int32Array of at least min elements, in one Node-API call
// (type, length and data at once); null when value is not one.
int32_t* int32Data(napi_env env, napi_value value, size_t min, size_t* lengthOut = nullptr) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array || length < min)
    return nullptr;
  if (lengthOut) *lengthOut = length;
  return static_cast<int32_t*>(data);
}

// A boolean argument: true only when it is the boolean true (one call).
bool flagArgument(napi_env env, napi_value value) {
  bool b = false;
  return napi_get_value_bool(env, value, &b) == napi_ok && b;
}

}  // namespace

// useInts(ints: Int32Array): where run() and runSingle() read each call's
// input flags and write its verdict, from now on (at least 9 ints a call).
Napi::Value MasterObject::UseInts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t length = 0;
  int32_t* ints = int32Data(env, info[0], kIntsPerVerdict, &length);
  if (!ints) throw Napi::TypeError::New(env, "useInts(ints: Int32Array) needs at least 9 ints");
  intsRef_ = Napi::Persistent(info[0].As<Napi::Int32Array>());
  ints_ = ints;
  intsLength_ = length;
  return env.Undefined();
}

// runSingle(phaseIndex, input: object, message: Buffer | undefined,
// allowSuspend) -> text | [text, values, freshKeys?]: run() for one call,
// without the arrays (policy.run: each array read is a Node-API call, and
// one call has none to share them with). The ints of useInts: [0] holds the
// input flags on the way in and [0..8] the verdict on the way out.
Napi::Value MasterObject::RunSingle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  state(info);
  Phase phase = checkPhase(env, info[0]);
  int32_t* ints = ints_;
  if (!ints || !info[1].IsObject())
    throw Napi::TypeError::New(env, "runSingle(phase: number, input: object, message: Buffer | undefined, allowSuspend?: boolean), after useInts(ints)");
  bool allowSuspend = flagArgument(env, info[3]);
  TextLease lease(text_, textBusy_);
  BatchOut out{ints, LazyValues(env, kValuesPerVerdict), lease.text(), contextKeys_};
  JsKeys keys(env);
  HostInput host{env, keys, Napi::Array(), 0, ints[0], info[1].As<Napi::Object>()};
  Napi::Value message = info[2];
  std::shared_ptr<MasterState> pinned;
  runOne(env, keys, phase, allowSuspend, 0, [&](CallContext* call) { readCallInput(host, message, call); }, out, pinned);
  rebuildIfNeeded();
  return batchResult(env, out.text, out.values);
}

// run(phaseIndex, inputs[], allowSuspend, ...messages) -> [text, values,
// freshKeys?]: one crossing for one call or many, message i (a Buffer, or
// undefined) as argument 3 + i. On the way in ints[i*9] (the ints of
// useInts) holds call i's input flags; on the way out the verdicts come back
// encoded in ints, the batch text and the values (see verdict_js.hpp).
// With allowSuspend a call may come back suspended, to be resume()d.
napi_value MasterObject::RunEntry(napi_env env, napi_callback_info info) {
  // As an InstanceMethod's wrapper does: a Napi::Error thrown here becomes a JS exception.
  return Napi::details::WrapCallback(env, [&]() -> napi_value {
    CallArgs args(env, info);
    return Unwrap(Napi::Object(env, args.self()))->Run(Napi::Env(env), args);
  });
}

Napi::Value MasterObject::Run(Napi::Env env, const CallArgs& args) {
  state(env);
  Phase phase = checkPhase(env, args[0]);
  if (!args[1].IsArray() || !ints_)
    throw Napi::TypeError::New(env, "run(phase: number, inputs: object[], allowSuspend: boolean, ...messages: (Buffer | undefined)[]), after useInts(ints)");
  auto inputs = args[1].As<Napi::Array>();
  bool allowSuspend = flagArgument(env, args[2]);
  uint32_t n = inputs.Length();
  if (n > kMaxBatch) throw Napi::RangeError::New(env, "a batch holds at most " + std::to_string(kMaxBatch) + " calls");
  if (args.size() != 3 + static_cast<size_t>(n)) throw Napi::RangeError::New(env, "run needs one message argument (or undefined) a call input");
  if (intsLength_ < static_cast<size_t>(n) * kIntsPerVerdict)
    throw Napi::RangeError::New(env, "the ints given to useInts hold fewer than 9 slots per call");
  int32_t* ints = ints_;
  const napi_value* messages = args.from(3);
  TextLease lease(text_, textBusy_);
  BatchOut out{ints, LazyValues(env, static_cast<size_t>(n) * kValuesPerVerdict), lease.text(), contextKeys_};
  JsKeys keys(env);  // no HandleScope per message: see js_keys.hpp
  std::shared_ptr<MasterState> pinned;
  for (uint32_t i = 0; i < n; i++) {
    HostInput host{env, keys, inputs, i, ints[i * kIntsPerVerdict], Napi::Object()};
    Napi::Value message(env, messages[i]);
    runOne(env, keys, phase, allowSuspend, i, [&](CallContext* call) { readCallInput(host, message, call); }, out, pinned);
    rebuildIfNeeded();  // before the next call, which must not find the state full
  }
  return batchResult(env, out.text, out.values);
}

// runPacked(phaseIndex, ints: Int32Array, headerAt) -> text | [text,
// values]: a batch packed by the pool's calling thread (packed_input.hpp),
// without a JS object per call, nor a string: its text is read in place,
// only by the calls that ask for a fact. Its header, at ints[headerAt], says
// where its parts lie; its verdicts are written into ints at verdictsAt,
// apart from everything the calls are read from. They come back as run()'s do, but
// with the batch's own context keys (ids from 0, all of them at the end of
// the text: appendKeySection), so that the batch can be decoded on another
// thread without this master's key table. A call may suspend.
//
// Three arguments and one typed array: past six, node-addon-api allocates
// the arguments' array, and each look at a typed array costs a chain of
// type checks in Node-API (a tenth of a one-call batch, measured).
Napi::Value MasterObject::RunPacked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  state(info);
  Phase phase = checkPhase(env, info[0]);
  size_t length = 0;
  int32_t* ints = int32Data(env, info[1], 0, &length);
  int64_t headerAt = -1;
  if (!ints || napi_get_value_int64(env, info[2], &headerAt) != napi_ok)
    throw Napi::TypeError::New(env, "runPacked(phase: number, ints: Int32Array, headerAt: number)");
  PackedHeader header;
  std::string problem = readPackedHeader(ints, length, headerAt, kMaxBatch, kIntsPerVerdict, header);
  if (!problem.empty()) throw Napi::RangeError::New(env, problem);
  uint32_t n = static_cast<uint32_t>(header.count);
  // The calls are read from below verdictsAt only: no verdict written can change a call not yet run.
  PackedBatch batch(ints, static_cast<size_t>(header.verdictsAt), header.layoutAt, header.factsAt, header.text(ints));
  for (uint32_t i = 0; i < n; i++)
    if (!batch.layoutValid(i))
      throw Napi::RangeError::New(env, "call " + std::to_string(i) + " of a packed batch points outside it");
  TextLease lease(text_, textBusy_);
  ContextKeyTable spareKeys;
  ContextKeyTable& batchKeys = lease.owned() ? packedKeys_ : spareKeys;
  batchKeys.clear();
  BatchOut out{ints + header.verdictsAt, LazyValues(env, static_cast<size_t>(n) * kValuesPerVerdict), lease.text(), batchKeys};
  JsKeys keys(env);
  std::shared_ptr<MasterState> pinned;
  for (uint32_t i = 0; i < n; i++) {
    runOne(env, keys, phase, true, i, [&](CallContext* call) { batch.readCall(i, call); }, out, pinned);
    rebuildIfNeeded();
  }
  // In the text, not as JS strings in an array: the text crosses to the
  // engine's thread as it is, and a batch with no rare part then comes back
  // as one string (an array and a string a key cost a third of a one-call batch).
  out.text.appendKeySection();
  return batchResult(env, out.text, out.values);
}

// resume(id, result, ints, deadline) -> [text, values, freshKeys?] for that
// one call: result is undefined (msys.sleep), an array of strings
// (msys.dnsLookup's answers) or of one Buffer (msys.readfile's bytes), or a
// string (their error). The call may suspend
// again. deadline: the host stopped waiting at the call's deadline (its timer
// may fire a little before the clock here says so), and the call is ended.
Napi::Value MasterObject::Resume(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  state(info);
  if (!info[0].IsNumber() || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(env, "resume(id: number, result: undefined | string[] | string, ints: Int32Array)");
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  auto it = suspended_.find(id);
  if (it == suspended_.end()) throw Napi::Error::New(env, "no suspended call " + std::to_string(id));
  CallContext* call = it->second.call;
  std::shared_ptr<MasterState> master = std::move(it->second.master);
  MasterState& s = *master;
  suspended_.erase(it);
  MasterState::ResumeValue value;
  value.deadline = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  if (info[1].IsString()) {
    value.error = info[1].As<Napi::String>().Utf8Value();
    if (value.error.empty()) value.error = "error";
  } else if (info[1].IsArray()) {
    auto list = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value v = list.Get(i);
      if (v.IsBuffer()) {  // msys.readfile's bytes, as they are
        auto bytes = v.As<Napi::Buffer<char>>();
        value.answers.emplace_back(bytes.Data(), bytes.Length());
      } else {
        value.answers.push_back(v.ToString().Utf8Value());
      }
    }
  }
  MasterState::RunStatus status;
  try {
    status = s.resume(call, value);
  } catch (...) {
    s.releaseCall(call);
    throw;
  }
  TextLease lease(text_, textBusy_);
  BatchOut out{info[2].As<Napi::Int32Array>().Data(), LazyValues(env, kValuesPerVerdict), lease.text(), contextKeys_};
  JsKeys keys(env);
  settle(env, keys, master, call, status, 0, out);
  rebuildIfNeeded();
  return batchResult(env, out.text, out.values);
}

// abandon(id): a suspended call that will not be resumed (shutdown). Its
// thread is dropped, never reused.
Napi::Value MasterObject::Abandon(const Napi::CallbackInfo& info) {
  state(info);
  uint32_t id = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  auto it = suspended_.find(id);
  if (it != suspended_.end()) {
    it->second.master->abandon(it->second.call);
    suspended_.erase(it);
  }
  return info.Env().Undefined();
}

Napi::Value MasterObject::Configure(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "configure(options: object)");
  applyOptions(info.Env(), info[0].As<Napi::Object>(), state(info));
  return info.Env().Undefined();
}

Napi::Value MasterObject::GcParams(const Napi::CallbackInfo& info) {
  scriptlet::GcParams p = state(info).gcParams();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("pause", p.pause);
  o.Set("stepmul", p.stepmul);
  return o;
}

Napi::Value MasterObject::Memory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(state(info).memoryBytes()));
}

Napi::Value MasterObject::Reap(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(state(info).reapSpares()));
}

Napi::Value MasterObject::Stats(const Napi::CallbackInfo& info) {
  MasterStats st = state(info).stats();
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("calls", static_cast<double>(st.calls));
  o.Set("fullCollections", static_cast<double>(st.fullCollections));
  o.Set("spareThreads", static_cast<double>(st.threads.spares));
  o.Set("threadsCreated", static_cast<double>(st.threads.created));
  o.Set("threadsReused", static_cast<double>(st.threads.reused));
  o.Set("threadsReaped", static_cast<double>(st.threads.reaped));
  o.Set("threadsDiscarded", static_cast<double>(st.threads.discarded));
  o.Set("threadsRetired", static_cast<double>(st.threads.retired));
  o.Set("memoryBytes", static_cast<double>(state_->memoryBytes()));
  o.Set("masterRebuilds", static_cast<double>(rebuilds_));
  o.Set("failedRebuilds", static_cast<double>(failedRebuilds_));
  o.Set("luaAllocations", static_cast<double>(st.luaAllocations));
  o.Set("pcreCompiles", static_cast<double>(st.pcreCompiles));
  return o;
}

// calloutModules(phaseIndex) -> the names of the modules that define its callout, in run order.
Napi::Value MasterObject::CalloutModules(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Phase phase = checkPhase(env, info[0]);
  std::vector<std::string> names = state(info).calloutModules(phase);
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); i++) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

Napi::Value MasterObject::TakeLoadLogs(const Napi::CallbackInfo& info) {
  std::vector<LogLine> logs = state(info).takeLoadLogs();
  Napi::Array arr = Napi::Array::New(info.Env(), logs.size());
  for (size_t i = 0; i < logs.size(); i++) {
    Napi::Object l = Napi::Object::New(info.Env());
    l.Set("module", logs[i].module);
    l.Set("text", logs[i].text);
    arr.Set(static_cast<uint32_t>(i), l);
  }
  return arr;
}

Napi::Value MasterObject::Close(const Napi::CallbackInfo& info) {
  suspended_.clear();  // their CallContexts die with the master
  state_.reset();
  return info.Env().Undefined();
}

}  // namespace scriptlet
