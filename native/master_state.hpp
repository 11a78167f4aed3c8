// A master Lua state: the scripts of one policy version, loaded once, and the
// spare threads every call runs on. Owned by one OS thread; never touched by
// two. Knows nothing of Node-API: the addon and the C driver both use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "call_context.hpp"
#include "guard_rails.hpp"
#include "pcre/pattern_cache.hpp"
#include "spare_thread_cache.hpp"
#include "util/lua_headers.hpp"

namespace scriptlet {

// binding_group "name" { binding "a" {} ... } of the configuration.
struct BindingGroup {
  std::string name;
  std::vector<std::string> bindings;
};

struct MasterOptions {
  int gcPause = 200;
  int gcStepmul = 200;
  bool alwaysGc = false;
  size_t maxSparePerMaster = 5000;
  uint32_t maxUsesPerThread = 5000;
  bool tempfailOnError = false;           // on_error = tempfail
  std::vector<std::string> searchPath;    // for require, loadfile, dofile
  std::vector<std::string> dataDirs;      // msys.readfile and cidr sources may read these too
  GuardLimits limits;                     // instructions, wall time, memory
  bool sandbox = true;                    // see lua_sandbox.cpp
  std::vector<std::string> bindings;      // every configured binding, grouped or not
  std::vector<BindingGroup> bindingGroups;
};

// What went wrong while loading a script or running init().
struct LoadProblem {
  std::string script;   // stanza name
  std::string message;
  std::string location; // "source:line" when known
  std::string traceback;
};

struct GcParams {
  int pause;
  int stepmul;
};

struct MasterStats {
  SpareThreadStats threads;
  uint64_t calls = 0;
  uint64_t fullCollections = 0;  // by always_gc
  uint64_t luaAllocations = 0;   // blocks allocated or grown by the state, ever (GuardRails::allocations)
  uint64_t pcreCompiles = 0;     // patterns msys.pcre and msg:*_match compiled (cache misses)
};

class MasterState {
 public:
  explicit MasterState(const MasterOptions& options);
  ~MasterState();
  MasterState(const MasterState&) = delete;
  MasterState& operator=(const MasterState&) = delete;

  // Compiles source (text only) and runs it; it must call
  // msys.registerModule(name, mod) with a table that has a known callout.
  bool loadScript(const std::string& name, const char* source, size_t len, const std::string& path,
                  LoadProblem* problem);
  // Calls mod:init() of every module that has one, in load order.
  bool initModules(LoadProblem* problem);

  // A pooled CallContext, reset, with a fresh serial.
  CallContext* acquireCall();
  void releaseCall(CallContext* call);

  enum class RunStatus { Done, Suspended };
  // Runs the phase's callout of every module in order; fills call->verdict.
  // Suspended: a callout called msys.sleep or msys.dnsLookup (allowed only
  // with call->allowSuspend); call->suspension says what it waits for, and
  // resume() goes on once the host has done it.
  RunStatus run(CallContext* call);
  // What a suspended call gets back: msys.dnsLookup's answers, or its error.
  struct ResumeValue {
    std::vector<std::string> answers;
    std::string error;  // non-empty: nil, error
    bool deadline = false;  // the host stopped waiting at the call's deadline
  };
  RunStatus resume(CallContext* call, const ResumeValue& value);
  // A suspended call that will never be resumed: its thread is discarded
  // and the call released.
  void abandon(CallContext* call);
  // Called by msys.sleep/dnsLookup: the call L belongs to, if it may
  // suspend there, else raises a Lua error saying why.
  CallContext* suspendingCall(lua_State* L, const char* what);

  void setGcPause(int pause);
  void setGcStepmul(int stepmul);
  void setAlwaysGc(bool on) { options_.alwaysGc = on; }
  void setMaxSparePerMaster(size_t n) { threads_.setMaxSpare(n); }
  void setMaxUsesPerThread(uint32_t n) { threads_.setMaxUses(n); }
  void setTempfailOnError(bool on) { options_.tempfailOnError = on; }
  void setLimits(const GuardLimits& limits);
  // A call ran out of memory: this state may hold what filled it (a global
  // table, say), so the host builds a fresh master from the same scripts.
  bool needsRebuild() const { return needsRebuild_; }
  void keepDespiteRebuild() { needsRebuild_ = false; }  // the rebuild failed
  GcParams gcParams();
  size_t memoryBytes();
  size_t reapSpares() { return threads_.reap(); }
  MasterStats stats() const;
  const MasterOptions& options() const { return options_; }

  // The call the handles (msg, vctx, accept) work for: run() sets it; a
  // host that calls a callout itself (the C driver's lua_pcall) sets it
  // around that call, and clears it after.
  void setRunningCall(CallContext* call) { activeCall_ = call; }
  // The call in progress (null while loading or in init()): msys functions
  // that read it, like msys.expandMacro.
  CallContext* runningCall() const { return activeCall_; }

  // The registry ref of a loaded module's table, or LUA_NOREF (C driver).
  int moduleRef(const std::string& name) const;
  // The modules whose table has the phase's callout, in the order they run:
  // the first calloutsRun of them ran in a call (the metrics name them so).
  std::vector<std::string> calloutModules(Phase phase);

  // Used by the Lua API functions.
  lua_State* L() const { return L_; }
  const std::vector<std::string>& searchPath() const { return options_.searchPath; }
  void registerModule(lua_State* L, const char* name, int tableIdx);  // may raise
  void log(const char* text, size_t len);
  std::vector<LogLine> takeLoadLogs();

 private:
  struct Module {
    std::string name;
    std::string path;
    int ref;  // the module table, in the registry
  };

  RunStatus continueRun(CallContext* call, int resumeArgs);
  void finishRun(CallContext* call);
  // After lua_resume returned status: false when the thread must go.
  bool afterResume(int status, LuaThread& thread, const Module& mod, CallContext* call, const char* callout);
  int pushCalloutArgs(lua_State* co, CallContext* call);
  void recordThreadError(lua_State* co, const Module& mod, CallContext* call, const char* callout);
  void recordBadReturn(lua_State* co, const Module& mod, CallContext* call, const char* callout);
  // Ends the call on a limit: the error (kind set), a 451, the thread dropped.
  void endOnLimit(LimitKind kind, const Module& mod, CallContext* call, const char* callout);
  // lua_pcall of the function below handler and nargs arguments, under a budget.
  int guardedPcall(int nargs, int handlerIdx, LimitKind* hit);
  void tempfail(CallContext* call);
  void callEnded();
  bool checkRegistration(const std::string& name, const std::string& path, LoadProblem* problem);
  void dropPendingRegistrations();

  MasterOptions options_;
  GuardRails guard_;
  PatternCache pcre_;  // msys.pcre's compiled patterns (lua_pcre.cpp)
  lua_State* L_ = nullptr;
  bool needsRebuild_ = false;
  size_t callsInFlight_ = 0;  // run, and not yet finished or abandoned
  SpareThreadCache threads_;
  std::vector<Module> modules_;
  std::vector<std::pair<std::string, int>> registeredDuringLoad_;  // name, registry ref
  std::string loadingScript_;  // stanza name while its chunk or init() runs
  std::deque<std::unique_ptr<CallContext>> callPool_;
  std::vector<CallContext*> freeCalls_;
  uint64_t serial_ = 0;
  MasterStats stats_;
  CallContext* activeCall_ = nullptr;
  const Module* activeModule_ = nullptr;
  std::vector<LogLine> loadLogs_;
  int tracebackRef_ = LUA_NOREF;
  int calloutNameRefs_[static_cast<int>(Phase::Count)] = {};  // interned once
};

}  // namespace scriptlet
