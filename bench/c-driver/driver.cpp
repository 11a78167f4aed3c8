// The physical limit: the reference policy's callout called straight from C
// through lua_pcall, on the same native core (message view, Lua API) the
// addon uses, with no Node, no spare threads and no verdict conversion.
//
//   c_driver POLICY.lua MODULE MESSAGE.eml [ITERATIONS]
//
// Prints one JSON line: engine, iterations, ns per message, the last code,
// the process's peak RSS in KB.
// With SCRIPTLET_DRIVER_PATH=run it goes through MasterState::run instead
// (spare thread, lua_resume, verdict), to split the core's cost from Node's.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "../../native/lua_api.hpp"
#include "../../native/master_state.hpp"

using scriptlet::CallContext;
using scriptlet::MasterState;

namespace {

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
int runOnce(MasterState& master, int moduleRef, const std::string& raw) {
  lua_State* L = master.L();
  CallContext* call = master.acquireCall();
  call->phase = scriptlet::Phase::Data;
  call->message.reset(raw.data(), raw.size());
  call->mailfrom = "alice@example.net";
  call->rcptto.push_back("bob@example.com");
  lua_rawgeti(L, LUA_REGISTRYINDEX, moduleRef);
  lua_getfield(L, -1, "validate_data");
  lua_insert(L, -2);
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
int runThroughMaster(MasterState& master, int, const std::string& raw) {
  CallContext* call = master.acquireCall();
  call->phase = scriptlet::Phase::Data;
  call->message.reset(raw.data(), raw.size());
  call->mailfrom = "alice@example.net";
  call->rcptto.push_back("bob@example.com");
  master.run(call);  // the reference policy never suspends
  int code = call->verdict.disposition.code;
  master.releaseCall(call);
  return code;
}

// The process's peak RSS in KB (VmHWM): unlike getrusage's ru_maxrss, it
// starts afresh at exec, so a large parent (Node) does not show through.
long peakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
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
  const char* mode = std::getenv("SCRIPTLET_DRIVER_PATH");
  auto once = mode && std::string(mode) == "run" ? runThroughMaster : runOnce;
  int code = 0;
  for (long i = 0; i < iterations / 10 + 1; i++) code = once(master, ref, raw);  // warm up the JIT
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; i++) code = once(master, ref, raw);
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"engine\":\"%s\",\"iterations\":%ld,\"nsPerMessage\":%.1f,\"code\":%d,\"maxRssKb\":%ld}\n",
              scriptlet::kEngineId, iterations, ns / static_cast<double>(iterations), code, peakRssKb());
  return 0;
}
