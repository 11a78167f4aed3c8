// Loading scripts into a master: compiling each under the guard rails,
// running its main chunk, checking that it registered its module with a
// callout the engine knows, and init() once every script is loaded.
#include <string>

#include "dialect/dialect_runtime.hpp"
#include "dialect/momentum_dialect.hpp"
#include "lua_api.hpp"
#include "master_state.hpp"
#include "util/lua_errors.hpp"

namespace scriptlet {

namespace {

// A module must define one of these (init, or a phase's callout; the auth
// phase, last, runs a msys.registerAuth scheme, not a module's callout).
bool definesKnownCallout(lua_State* L, int tableIdx) {
  lua_getfield(L, tableIdx, "init");
  bool known = lua_isfunction(L, -1);
  lua_pop(L, 1);
  for (int p = 0; !known && p < static_cast<int>(Phase::Auth); p++) {
    lua_getfield(L, tableIdx, calloutName(static_cast<Phase>(p)));
    known = lua_isfunction(L, -1);
    lua_pop(L, 1);
  }
  return known;
}

std::string knownCalloutList() {
  std::string list = "init";
  for (int p = 0; p < static_cast<int>(Phase::Auth); p++) list += std::string(", ") + calloutName(static_cast<Phase>(p));
  return list;
}

// [-0, +0] Reads {message, location, traceback} left by errorTableHandler,
// or the bare error value if the handler itself failed.
void readErrorTable(lua_State* L, LoadProblem* problem) {
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "message");
    lua_getfield(L, -2, "location");
    lua_getfield(L, -3, "traceback");
    problem->message = lua_isstring(L, -3) ? lua_tostring(L, -3) : "";
    problem->location = lua_isstring(L, -2) ? lua_tostring(L, -2) : "";
    problem->traceback = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
    lua_pop(L, 3);
  } else {
    problem->message = errorText(L, -1);
    problem->location = locationFromMessage(problem->message);
  }
  lua_pop(L, 1);
}

}  // namespace

bool MasterState::loadScript(const std::string& name, const char* source, size_t len,
                             const std::string& path, LoadProblem* problem) {
  problem->script = name;
  if (!skipShebang(&source, &len)) {
    problem->message = "bytecode refused: scripts are loaded from source text only (" + path + ")";
    return false;
  }
  std::string chunkname = "@" + path;
  std::string rewritten;  // Momentum's dialect as plain Lua
  DialectError dialectError;
  DialectResult dialect = rewriteMomentumDialect(source, len, &rewritten, &dialectError);
  if (dialect == DialectResult::Error) {
    problem->message = dialectErrorText(L_, chunkname.c_str(), dialectError.line, dialectError.message);
    problem->location = locationFromMessage(problem->message);
    return false;
  }
  if (dialect == DialectResult::Rewritten) {
    source = rewritten.data();
    len = rewritten.size();
  }
  int top = lua_gettop(L_);
  CallBudget compileBudget = guard_.newBudget();
  guard_.enter(&compileBudget);
  int compiled = luaL_loadbuffer(L_, source, len, chunkname.c_str());
  guard_.leave(L_);
  if (compiled != 0) {
    problem->message = errorText(L_, -1);
    problem->location = locationFromMessage(problem->message);
    lua_settop(L_, top);
    return false;
  }
  lua_rawgeti(L_, LUA_REGISTRYINDEX, tracebackRef_);
  lua_pushcclosure(L_, errorTableHandler, 1);
  lua_insert(L_, -2);
  registeredDuringLoad_.clear();
  loadingScript_ = name;
  LimitKind hit;
  int status = guardedPcall(0, top + 1, &hit);
  loadingScript_.clear();
  if (status != 0 || hit != LimitKind::None) {
    if (status != 0) readErrorTable(L_, problem);
    if (hit != LimitKind::None) problem->message = guard_.message(hit);
    lua_settop(L_, top);
    dropPendingRegistrations();
    return false;
  }
  lua_settop(L_, top);
  return checkRegistration(name, path, problem);
}

int MasterState::guardedPcall(int nargs, int handlerIdx, LimitKind* hit) {
  CallBudget budget = guard_.newBudget();
  guard_.enter(&budget);
  int status = lua_pcall(L_, nargs, 0, handlerIdx);
  *hit = guard_.leave(L_);
  return status;
}

void MasterState::dropPendingRegistrations() {
  for (auto& pending : registeredDuringLoad_) luaL_unref(L_, LUA_REGISTRYINDEX, pending.second);
  registeredDuringLoad_.clear();
}

bool MasterState::checkRegistration(const std::string& name, const std::string& path, LoadProblem* problem) {
  std::string where = "script '" + name + "' (" + path + ")";
  if (registeredDuringLoad_.empty()) {
    problem->message = where + " did not call msys.registerModule(\"" + name + "\", module)";
    return false;
  }
  if (registeredDuringLoad_.size() > 1 || registeredDuringLoad_[0].first != name) {
    std::string got;
    for (auto& pending : registeredDuringLoad_) got += (got.empty() ? "'" : ", '") + pending.first + "'";
    problem->message = where + " registered module " + got + "; expected msys.registerModule(\"" + name + "\", module)";
    dropPendingRegistrations();
    return false;
  }
  int ref = registeredDuringLoad_[0].second;
  registeredDuringLoad_.clear();
  lua_rawgeti(L_, LUA_REGISTRYINDEX, ref);
  bool known = definesKnownCallout(L_, lua_gettop(L_));
  lua_pop(L_, 1);
  if (!known) {
    problem->message = "module '" + name + "' (" + path + ") defines no known callout (" + knownCalloutList() + ")";
    luaL_unref(L_, LUA_REGISTRYINDEX, ref);
    return false;
  }
  modules_.push_back(Module{name, path, ref});
  return true;
}

void MasterState::registerModule(lua_State* L, const char* name, int tableIdx) {
  for (auto& m : modules_)
    if (m.name == name) luaL_error(L, "module '%s' is already registered", name);
  for (auto& pending : registeredDuringLoad_)
    if (pending.first == name) luaL_error(L, "module '%s' is already registered", name);
  if (loadingScript_.empty()) luaL_error(L, "msys.registerModule is only allowed while a script loads");
  lua_pushvalue(L, tableIdx);
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  registeredDuringLoad_.emplace_back(name, ref);
}

bool MasterState::initModules(LoadProblem* problem) {
  int top = lua_gettop(L_);
  for (const Module& m : modules_) {
    lua_rawgeti(L_, LUA_REGISTRYINDEX, tracebackRef_);
    lua_pushcclosure(L_, errorTableHandler, 1);
    lua_rawgeti(L_, LUA_REGISTRYINDEX, m.ref);
    lua_getfield(L_, -1, "init");
    if (!lua_isfunction(L_, -1)) {
      lua_settop(L_, top);
      continue;
    }
    lua_insert(L_, -2);  // handler, init, mod
    loadingScript_ = m.name;
    LimitKind hit;
    int status = guardedPcall(1, top + 1, &hit);
    loadingScript_.clear();
    if (status != 0 || hit != LimitKind::None) {
      problem->script = m.name;
      if (status != 0) readErrorTable(L_, problem);
      if (hit != LimitKind::None) problem->message = guard_.message(hit);
      problem->message = "init() of module '" + m.name + "' failed: " + problem->message;
      lua_settop(L_, top);
      return false;
    }
    lua_settop(L_, top);
  }
  std::string error;
  if (!sealSandbox(L_, &error)) {
    problem->message = error;
    return false;
  }
  return true;
}

}  // namespace scriptlet
