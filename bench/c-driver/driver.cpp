// The physical limit: the reference policy's callout called straight from C
// through lua_pcall, on the same native core (message view, Lua API) the
// addon uses, with no Node, no spare threads and no verdict conversion.
//
//   c_driver POLICY.lua MODULE MESSAGE.eml [ITERATIONS]
//
// Prints one JSON line: engine, iterations, ns per message, the last code,
// the process's peak RSS in KB, and the allocations per message in the timed
// loop: Lua's (blocks the state allocated or grew) and C++'s (operator new,
// counted by this executable's own operator new).
// With SCRIPTLET_DRIVER_PATH=run it goes through MasterState::run instead
// (spare thread, lua_resume, verdict), to split the core's cost from Node's.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <fstream>
#include <sstream>
#include <string>

#include "../../native/lua_api.hpp"
#include "../../native/master_state.hpp"
#include "../peak_rss.hpp"

using scriptlet::CallContext;
using scriptlet::MasterState;

namespace {
std::atomic<uint64_t> cxxAllocations{0};
}  // namespace

// Every operator new of the process (the core's and this driver's) counted.
void* operator new(size_t size) {
  cxxAllocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

// The envelope, given as a host gives it: read only if the script asks.
void loadFacts(CallContext& call) {
  call.mailfrom = "alice@example.net";
  call.rcptto.push_back("bob@example.com");
}

std::string readAll(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "c_driver: cannot read %s\n", path);
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One message through validate_data by lua_pcall; returns the reply code.
// The callout and its module sit in stack slots kCalloutSlot and
// kModuleSlot, put there once (as the floor keeps its own).
constexpr int kCalloutSlot = 1, kModuleSlot = 2;
int runOnce(MasterState& master, int, int, const std::string& raw) {
  lua_State* L = master.L();
  CallContext* call = master.acquireCall();
  call->phase = scriptlet::Phase::Data;
  call->message.reset(raw.data(), raw.size());
  call->factsLoader = loadFacts;
  lua_pushvalue(L, kCalloutSlot);
  lua_pushvalue(L, kModuleSlot);
  scriptlet::pushCallHandle(L, call, scriptlet::HandleKind::Message);
  scriptlet::pushCallHandle(L, call, scriptlet::HandleKind::Accept);
  scriptlet::pushCallHandle(L, call, scriptlet::HandleKind::Vctx);
  master.setRunningCall(call);
  int status = lua_pcall(L, 4, 1, 0);
  master.setRunningCall(nullptr);
  if (status != 0) {
    std::fprintf(stderr, "c_driver: %s\n", lua_tostring(L, -1));
    std::exit(1);
  }
  lua_pop(L, 1);
  int code = call->verdict.disposition.code;
  master.releaseCall(call);
  return code;
}

// The same through the engine's own path: spare thread, lua_resume, verdict.
int runThroughMaster(MasterState& master, int, int, const std::string& raw) {
  CallContext* call = master.acquireCall();
  call->phase = scriptlet::Phase::Data;
  call->message.reset(raw.data(), raw.size());
  call->factsLoader = loadFacts;
  master.run(call);  // the reference policy never suspends
  int code = call->verdict.disposition.code;
  master.releaseCall(call);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: c_driver POLICY.lua MODULE MESSAGE.eml [ITERATIONS]\n");
    return 2;
  }
  long iterations = argc > 4 ? std::atol(argv[4]) : 1000000;
  std::string source = readAll(argv[1]);
  std::string raw = readAll(argv[3]);
  scriptlet::MasterOptions options;
  MasterState master(options);
  scriptlet::LoadProblem problem;
  if (!master.loadScript(argv[2], source.data(), source.size(), argv[1], &problem) ||
      !master.initModules(&problem)) {
    std::fprintf(stderr, "c_driver: %s\n", problem.message.c_str());
    return 1;
  }
  int ref = master.moduleRef(argv[2]);
  lua_State* L = master.L();
  lua_settop(L, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lua_getfield(L, -1, "validate_data");
  lua_insert(L, kCalloutSlot);  // callout, module
  lua_pushvalue(L, kCalloutSlot);
  int calloutRef = luaL_ref(L, LUA_REGISTRYINDEX);
  const char* mode = std::getenv("SCRIPTLET_DRIVER_PATH");
  auto once = mode && std::string(mode) == "run" ? runThroughMaster : runOnce;
  int code = 0;
  for (long i = 0; i < iterations / 10 + 1; i++) code = once(master, ref, calloutRef, raw);  // warm up the JIT
  uint64_t luaBefore = master.stats().luaAllocations;
  uint64_t cxxBefore = cxxAllocations.load();
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; i++) code = once(master, ref, calloutRef, raw);
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  double perCall = 1.0 / static_cast<double>(iterations > 0 ? iterations : 1);
  double luaAllocs = static_cast<double>(master.stats().luaAllocations - luaBefore) * perCall;
  double cxxAllocs = static_cast<double>(cxxAllocations.load() - cxxBefore) * perCall;
  std::printf("{\"engine\":\"%s\",\"iterations\":%ld,\"nsPerMessage\":%.1f,\"code\":%d,\"maxRssKb\":%ld,"
              "\"luaAllocsPerMessage\":%.3f,\"cxxAllocsPerMessage\":%.3f}\n",
              scriptlet::kEngineId, iterations, ns * perCall, code, peakRssKb(), luaAllocs, cxxAllocs);
  return 0;
}
