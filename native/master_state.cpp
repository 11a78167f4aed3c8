#include "master_state.hpp"

#include <cassert>
#include <cstring>

#include "cidr/lua_cidr.hpp"
#include "dialect/dialect_runtime.hpp"
#include "lua_api.hpp"
#include "lua_api_extras.hpp"
#include "lua_auth.hpp"
#include "lua_data_libraries.hpp"
#include "lua_libraries.hpp"
#include "lua_pcre.hpp"
#include "lua_shared_state.hpp"
#include "util/lua_errors.hpp"

namespace scriptlet {

namespace {

lua_State* newState() {
  lua_State* L = luaL_newstate();
  if (L) luaL_openlibs(L);
  return L;
}

constexpr const char* kTempfailText = "4.3.0 Temporary failure in policy, try again later";

}  // namespace

MasterState::MasterState(const MasterOptions& options)
    : options_(options),
      guard_(options.limits),
      L_(newState()),
      threads_(L_, options.maxSparePerMaster, options.maxUsesPerThread) {
  // Without a state nothing works; this is the one unrecoverable failure.
  if (!L_) throw std::bad_alloc();
  guard_.attach(L_);
  lua_getglobal(L_, "debug");
  lua_getfield(L_, -1, "traceback");
  tracebackRef_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  lua_pop(L_, 1);
  installMsys(L_, this);
  installDialectRuntime(L_);
  installCodecs(L_);
  installMime(L_, &activeCall_);
  installMimeConstants(L_);
  installBindings(L_, options.bindings, options.bindingGroups);
  installExpandMacro(L_, this);
  installAuth(L_, this);
  installPcre(L_, &pcre_);
  installHandles(L_, &activeCall_);
  installMessageExtras(L_, &activeCall_);
  installLoaders(L_, this);
  installJson(L_);
  installIdn(L_);
  installMsysExtras(L_, this, &activeCall_);
  installMsysConfig(L_, this);
  installShare(L_);
  installCidr(L_, this, &activeCall_);
  installDb(L_, this);
  installHttpClient(L_, this);
  installSharedState(L_, &activeCall_, this);
  installEmbeddedLibraries(L_);
  installUnavailable(L_);  // last: fills only what no library installed
  for (int p = 0; p < static_cast<int>(Phase::Count); p++) {
    lua_pushstring(L_, calloutName(static_cast<Phase>(p)));
    calloutNameRefs_[p] = luaL_ref(L_, LUA_REGISTRYINDEX);
  }
  setGcPause(options.gcPause);
  setGcStepmul(options.gcStepmul);
  if (options.sandbox) installSandbox(L_);
}

MasterState::~MasterState() {
  if (!L_) return;
  guard_.detach(L_);
  lua_close(L_);
}

CallContext* MasterState::acquireCall() {
  CallContext* call;
  if (freeCalls_.empty()) {
    callPool_.push_back(std::make_unique<CallContext>());
    call = callPool_.back().get();
  } else {
    call = freeCalls_.back();
    freeCalls_.pop_back();
  }
  call->reset();
  call->serial = ++serial_;
  return call;
}

void MasterState::releaseCall(CallContext* call) {
  call->serial = ++serial_;  // handles still held by scripts go stale now
  freeCalls_.push_back(call);
}

MasterState::RunStatus MasterState::run(CallContext* call) {
  call->run.module = 0;
  call->run.haveThread = false;
  call->run.budget = guard_.newBudget();
  callsInFlight_++;
  return continueRun(call, -1);
}

// [-0, +0] Pushes value as a suspended msys.dnsLookup's results, or nothing
// for msys.sleep, and goes on with the call.
MasterState::RunStatus MasterState::resume(CallContext* call, const ResumeValue& value) {
  lua_State* co = call->run.thread.co;
  if (value.deadline || guard_.pastDeadline(call->run.budget)) {  // it slept, or waited on DNS, past its deadline
    call->suspension.clear();
    activeCall_ = call;
    endOnLimit(LimitKind::WallTime, modules_[call->run.module], call, calloutName(call->phase));
    finishRun(call);
    return RunStatus::Done;
  }
  int nargs = 0;
  if (call->suspension.kind == Suspension::Kind::DnsLookup) {
    if (value.error.empty()) {
      lua_createtable(co, static_cast<int>(value.answers.size()), 0);
      for (size_t i = 0; i < value.answers.size(); i++) {
        lua_pushlstring(co, value.answers[i].data(), value.answers[i].size());
        lua_rawseti(co, -2, static_cast<int>(i) + 1);
      }
      nargs = 1;
    } else {
      lua_pushnil(co);
      lua_pushlstring(co, value.error.data(), value.error.size());
      nargs = 2;
    }
  } else if (call->suspension.kind == Suspension::Kind::ReadFile || call->suspension.kind == Suspension::Kind::DbQuery ||
             call->suspension.kind == Suspension::Kind::HttpRequest ||
             call->suspension.kind == Suspension::Kind::Console) {  // msys.readfile, the encoded answers of msys.db and
                                                                    // msys.http.client (bytes), msys.config (value, text);
                                                                    // or nil, error
    if (value.error.empty() && !value.answers.empty()) {
      for (const std::string& answer : value.answers) lua_pushlstring(co, answer.data(), answer.size());
      nargs = static_cast<int>(value.answers.size());
    } else {
      lua_pushnil(co);
      lua_pushlstring(co, value.error.data(), value.error.size());
      nargs = 2;
    }
  }
  call->suspension.clear();
  return continueRun(call, nargs);
}

// Runs callouts from call->run.module on; resumeArgs >= 0 means the current
// callout is suspended and gets that many values back first.
MasterState::RunStatus MasterState::continueRun(CallContext* call, int resumeArgs) {
  const char* callout = calloutName(call->phase);
  RunState& rs = call->run;
  activeCall_ = call;
  for (; rs.module < modules_.size(); rs.module++) {
    const Module& mod = modules_[rs.module];
    if (!rs.haveThread) {
      rs.thread = threads_.take();
      rs.haveThread = true;
      guard_.prepareThread(rs.thread.co);
    }
    lua_State* co = rs.thread.co;
    size_t errorsBefore = call->verdict.errors.size();
    int status;
    activeModule_ = &mod;
    if (resumeArgs >= 0) {
      guard_.enter(&rs.budget);
      status = lua_resume(co, resumeArgs);
      resumeArgs = -1;
    } else if (call->phase == Phase::Auth) {
      // One scheme's authenticate, once (not a callout per module).
      if (rs.module > 0 || !pushAuthCallout(co, call)) {
        activeModule_ = nullptr;
        break;
      }
      int nargs = 1 + pushCalloutArgs(co, call);
      call->verdict.calloutsRun++;
      guard_.enter(&rs.budget);
      status = lua_resume(co, nargs);
    } else {
      lua_rawgeti(co, LUA_REGISTRYINDEX, mod.ref);
      lua_rawgeti(co, LUA_REGISTRYINDEX, calloutNameRefs_[static_cast<int>(call->phase)]);
      lua_gettable(co, -2);
      if (!lua_isfunction(co, -1)) {
        lua_settop(co, 0);
        activeModule_ = nullptr;
        continue;
      }
      lua_insert(co, -2);  // callout, self
      int nargs = 1 + pushCalloutArgs(co, call);
      call->verdict.calloutsRun++;
      guard_.enter(&rs.budget);
      status = lua_resume(co, nargs);
    }
    LimitKind hit = guard_.leave(co);
    activeModule_ = nullptr;
    if (hit != LimitKind::None) {
      endOnLimit(hit, mod, call, callout);
      break;
    }
    if (isSuspensionYield(co, status) && call->suspension.kind != Suspension::Kind::None) {
      lua_settop(co, 0);
      activeCall_ = nullptr;
      call->suspension.timeLeft = guard_.secondsLeft(rs.budget);
      call->loadEverything();
      return RunStatus::Suspended;
    }
    // A suspension whose yield failed (Lua 5.1 cannot yield across pcall)
    // must not be taken for one later.
    call->suspension.clear();
    if (!afterResume(status, rs.thread, mod, call, callout)) {
      threads_.discard(rs.thread);
      rs.haveThread = false;
    }
    bool failed = call->verdict.errors.size() > errorsBefore;
    if (failed && options_.tempfailOnError) {
      tempfail(call);
      break;
    }
    if (call->verdict.done) break;
  }
  finishRun(call);
  return RunStatus::Done;
}

void MasterState::abandon(CallContext* call) {
  if (call->run.haveThread) threads_.discard(call->run.thread);
  call->run.haveThread = false;
  callEnded();
  releaseCall(call);
}

void MasterState::finishRun(CallContext* call) {
  if (call->run.haveThread) threads_.giveBack(call->run.thread);
  call->run.haveThread = false;
  activeCall_ = nullptr;
  stats_.calls++;
  callEnded();
  if (options_.alwaysGc) {
    lua_gc(L_, LUA_GCCOLLECT, 0);
    stats_.fullCollections++;
  }
}

bool MasterState::afterResume(int status, LuaThread& thread, const Module& mod, CallContext* call,
                              const char* callout) {
  lua_State* co = thread.co;
  if (status == 0 && isDeliveryLogPhase(call->phase)) {
    lua_settop(co, 0);  // after delivery there is nothing to decide: any return will do
    return true;
  }
  if (status == 0 && call->phase == Phase::Auth) {
    bool known = readAuthResult(co, call);
    if (!known) recordBadReturn(co, mod, call, callout);
    lua_settop(co, 0);
    return true;
  }
  if (status == 0) {
    int code = lua_gettop(co) >= 1 && lua_type(co, 1) == LUA_TNUMBER ? static_cast<int>(lua_tointeger(co, 1)) : -1;
    if (code == kValidateDone) {
      call->verdict.done = true;
    } else if (code != kValidateCont && code != kValidateAgain &&
               !(isCoreHookPhase(call->phase) && lua_isnoneornil(co, 1))) {
      recordBadReturn(co, mod, call, callout);
    }
    lua_settop(co, 0);
    return true;
  }
  if (status == LUA_YIELD) {
    lua_settop(co, 0);
    lua_pushstring(co, "attempt to yield from a callout (only msys suspending calls may yield)");
  }
  recordThreadError(co, mod, call, callout);
  return false;
}

CallContext* MasterState::suspendingCall(lua_State* L, const char* what) {
  CallContext* call = activeCall_;
  if (!call || !call->run.haveThread || call->run.thread.co != L)
    luaL_error(L, "%s can only be called by a callout itself (not inside a coroutine of its own, nor while loading)", what);
  if (!call->allowSuspend)
    luaL_error(L, "%s suspends the call, which this caller cannot wait for (use Policy.runAsync)", what);
  return call;
}

// [-0, +n] Pushes the arguments after self, as Momentum passes them.
int MasterState::pushCalloutArgs(lua_State* co, CallContext* call) {
  switch (call->phase) {
    case Phase::Connect:
      pushCallHandle(co, call, HandleKind::Accept);
      pushCallHandle(co, call, HandleKind::Vctx);
      return 2;
    case Phase::Ehlo:
    case Phase::Mailfrom: {
      const std::string& s = call->phaseArgument();
      lua_pushlstring(co, s.data(), s.size());
      pushCallHandle(co, call, HandleKind::Accept);
      pushCallHandle(co, call, HandleKind::Vctx);
      return 3;
    }
    case Phase::Rcptto: {
      const std::string& s = call->phaseArgument();
      pushCallHandle(co, call, HandleKind::Message);
      lua_pushlstring(co, s.data(), s.size());
      pushCallHandle(co, call, HandleKind::Accept);
      pushCallHandle(co, call, HandleKind::Vctx);
      return 4;
    }
    case Phase::SetBinding:
      pushCallHandle(co, call, HandleKind::Message);
      return 1;
    case Phase::Auth:
      return pushAuthArgs(co, call);
    case Phase::LogDelivery:
    case Phase::LogPermanentFailure:
    case Phase::LogTransientFailure:
      // After delivery there is no session to accept; the outcome is in the
      // message context (delivery_code, delivery_text), as the host gave it.
      pushCallHandle(co, call, HandleKind::Message);
      pushCallHandle(co, call, HandleKind::Vctx);
      return 2;
    default:  // data, data_spool, data_spool_each_rcpt, core_final_validation, core_{pre,post}_msg_each_rcpt
      pushCallHandle(co, call, HandleKind::Message);
      pushCallHandle(co, call, HandleKind::Accept);
      pushCallHandle(co, call, HandleKind::Vctx);
      return 3;
  }
}

void MasterState::recordThreadError(lua_State* co, const Module& mod, CallContext* call, const char* callout) {
  ScriptError err;
  err.module = mod.name;
  err.callout = callout;
  lua_xmove(co, L_, 1);  // the error value; the dead thread keeps its frames
  // Its __tostring is script code: under a budget (memory not capped here,
  // where an allocation is not protected).
  CallBudget budget = guard_.newBudget();
  guard_.enter(&budget, false);
  err.message = errorText(L_, -1);
  guard_.leave(L_);
  lua_pop(L_, 1);
  err.location = innermostLocation(co, 0);
  if (err.location.empty()) err.location = locationFromMessage(err.message);
  err.traceback = threadTraceback(L_, tracebackRef_, co, err.message);
  call->verdict.errors.push_back(std::move(err));
}

void MasterState::recordBadReturn(lua_State* co, const Module& mod, CallContext* call, const char* callout) {
  ScriptError err;
  err.module = mod.name;
  err.callout = callout;
  std::string got = lua_gettop(co) == 0 ? "nothing" : std::string("a ") + luaL_typename(co, 1);
  if (lua_type(co, 1) == LUA_TNUMBER) got = "the number " + std::string(lua_tostring(co, 1));
  err.message = std::string(callout) + " returned " + got +
                (call->phase == Phase::Auth ? "; expected msys.core.EC_AUTH_OK, EC_AUTH_FAIL or EC_AUTH_ERROR"
                                            : "; expected msys.core.VALIDATE_CONT or msys.core.VALIDATE_DONE");
  err.location = mod.path;
  call->verdict.errors.push_back(std::move(err));
}

void MasterState::endOnLimit(LimitKind kind, const Module& mod, CallContext* call, const char* callout) {
  lua_State* co = call->run.thread.co;
  ScriptError err;
  err.module = mod.name;
  err.callout = callout;
  err.kind = limitKindName(kind);
  err.message = guard_.message(kind);
  err.location = innermostLocation(co, 0);
  if (err.location.empty() && lua_type(co, -1) == LUA_TSTRING) err.location = locationFromMessage(lua_tostring(co, -1));
  if (err.location.empty()) err.location = mod.path;
  err.traceback = threadTraceback(L_, tracebackRef_, co, err.message);
  call->verdict.errors.push_back(std::move(err));
  lua_settop(co, 0);
  threads_.discard(call->run.thread);
  call->run.haveThread = false;
  tempfail(call);
  if (kind == LimitKind::Memory) needsRebuild_ = true;
}

// A global set by a call is gone for the next message. While another call
// is suspended its globals are kept: they are cleared when the last ends.
void MasterState::callEnded() {
  if (callsInFlight_ > 0) callsInFlight_--;
  if (callsInFlight_ == 0 && options_.sandbox) clearCallGlobals(L_);
}

void MasterState::setLimits(const GuardLimits& limits) {
  options_.limits = limits;
  guard_.setLimits(limits);
}

void MasterState::tempfail(CallContext* call) {
  Disposition& d = call->verdict.disposition;
  d.set = true;
  d.code = 451;
  d.text = kTempfailText;
  d.disconnect = false;
  d.discard = false;
  call->verdict.tempfailed = true;
}

void MasterState::setGcPause(int pause) {
  options_.gcPause = pause;
  lua_gc(L_, LUA_GCSETPAUSE, pause);
}

void MasterState::setGcStepmul(int stepmul) {
  options_.gcStepmul = stepmul;
  lua_gc(L_, LUA_GCSETSTEPMUL, stepmul);
}

// Read back from the collector itself: SET returns the previous value.
GcParams MasterState::gcParams() {
  GcParams p;
  p.pause = lua_gc(L_, LUA_GCSETPAUSE, options_.gcPause);
  lua_gc(L_, LUA_GCSETPAUSE, p.pause);
  p.stepmul = lua_gc(L_, LUA_GCSETSTEPMUL, options_.gcStepmul);
  lua_gc(L_, LUA_GCSETSTEPMUL, p.stepmul);
  return p;
}

size_t MasterState::memoryBytes() {
  return static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 + static_cast<size_t>(lua_gc(L_, LUA_GCCOUNTB, 0));
}

int MasterState::moduleRef(const std::string& name) const {
  for (const Module& m : modules_)
    if (m.name == name) return m.ref;
  return LUA_NOREF;
}

// [-0, +0] Looks the callout up as continueRun does (lua_getfield on the module).
std::vector<std::string> MasterState::calloutModules(Phase phase) {
  std::vector<std::string> names;
  const char* callout = calloutName(phase);
  for (const Module& m : modules_) {
    lua_rawgeti(L_, LUA_REGISTRYINDEX, m.ref);
    lua_getfield(L_, -1, callout);
    if (lua_isfunction(L_, -1)) names.push_back(m.name);
    lua_pop(L_, 2);
  }
  return names;
}

MasterStats MasterState::stats() const {
  MasterStats s = stats_;
  s.threads = threads_.stats();
  s.luaAllocations = guard_.allocations();
  s.pcreCompiles = pcre_.compiles();
  return s;
}

void MasterState::log(const char* text, size_t len) {
  if (activeCall_) {
    const char* module = activeModule_ ? activeModule_->name.c_str() : "";
    activeCall_->verdict.logs.push_back(LogLine{module, std::string(text, len)});
  } else {
    loadLogs_.push_back(LogLine{loadingScript_, std::string(text, len)});
  }
}

std::vector<LogLine> MasterState::takeLoadLogs() {
  std::vector<LogLine> out;
  out.swap(loadLogs_);
  return out;
}

}  // namespace scriptlet
