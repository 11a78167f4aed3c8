// The floor (issue 19): a bench policy's validate_data run from C through
// lua_pcall on the vendored Lua, with the narrowest correct implementation of
// exactly the API the bench policies use, and nothing else:
//
//   msg:header(name)           a new table of the values, read from the raw
//                              bytes (raw_header.hpp); RFC 2047 decoding only
//                              for a value that holds "=?", straight into one
//                              buffer for UTF-8, ASCII and Latin-1
//                              (encoded_words.hpp), else by the engine's own
//                              decoder (native/util/rfc2047.cpp, iconv)
//   msg:body()                 the bytes after the blank line
//   vctx:set(VCTX_MESS, k, v)  into slots reused from message to message
//   vctx:set_code(code, text)  the reply, checked as the API checks it
//   require("msys.core"), msys.registerModule
//
// No sandbox, no handles (msg and vctx are plain tables made once, their
// methods read one static message), no spare threads, no limits, no metrics.
// It is the lower bound the engine's core is measured against; the suite's
// gate checks that it reaches the same verdicts (bench/suite/floor.ts).
//
//   floor POLICY.lua MODULE MESSAGE.eml|- [ITERATIONS]
//
// Prints one JSON line: engine, iterations, ns per message, the last
// message's outcome (code, text, action, message context) and the process's
// peak RSS in KB. "-" reads the message from stdin.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#if defined(SCRIPTLET_LUA_AS_CXX)  // PUC Lua 5.1, compiled as C++ (native/addon.gypi)
#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
#else
extern "C" {
#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
}
#endif

#include "../../native/util/rfc2047.hpp"
#include "encoded_words.hpp"
#include "raw_header.hpp"
#include "../peak_rss.hpp"

namespace {

enum : int { kValidateCont = 0, kValidateDone = 1, kVctxMess = 0, kVctxConn = 1 };

// What one message leaves behind; reset before each. The context's slots
// keep their strings' capacity, so a warm run allocates nothing here.
struct Outcome {
  bool codeSet = false;
  int code = 0;
  std::string text;
  std::vector<std::pair<std::string, std::string>> mess;
  size_t messUsed = 0;
  int action = kValidateCont;

  void reset() {
    codeSet = false;
    messUsed = 0;
  }
  void set(const char* k, size_t klen, const char* v, size_t vlen) {
    for (size_t i = 0; i < messUsed; i++)
      if (mess[i].first.size() == klen && mess[i].first.compare(0, klen, k, klen) == 0) {
        mess[i].second.assign(v, vlen);
        return;
      }
    if (messUsed == mess.size()) mess.emplace_back();
    mess[messUsed].first.assign(k, klen);
    mess[messUsed++].second.assign(v, vlen);
  }
};

// The message being run and what it leaves: one at a time, in one thread.
floor_bench::RawHeader message;
Outcome outcome;
floor_bench::EncodedWords encodedWords;
std::string decoded;  // for the charsets left to the engine's decoder

// msg:header(name) -> { value, ... }  [-0, +1]
int msgHeader(lua_State* L) {
  size_t nameLen;
  const char* name = luaL_checklstring(L, 2, &nameLen);
  if (!lua_isnoneornil(L, 3)) return luaL_error(L, "floor: msg:header(name, value) is not implemented");
  lua_createtable(L, 1, 0);
  int i = 0;
  message.forEachValue(name, nameLen, [&](const char* v, size_t n) {
    if (!scriptlet::mayHaveEncodedWords(v, n)) {
      lua_pushlstring(L, v, n);
    } else if (encodedWords.decode(v, n)) {
      lua_pushlstring(L, encodedWords.data(), encodedWords.size());
    } else {
      decoded.clear();
      scriptlet::decodeEncodedWords(v, n, decoded);
      lua_pushlstring(L, decoded.data(), decoded.size());
    }
    lua_rawseti(L, -2, ++i);
  });
  return 1;
}

// msg:body() -> string  [-0, +1]
int msgBody(lua_State* L) {
  size_t len;
  const char* body = message.body(&len);
  lua_pushlstring(L, body, len);
  return 1;
}

// vctx:set(type, key, value)  [-0, +0]; numbers become strings, as lua_tolstring makes them.
int vctxSet(lua_State* L) {
  lua_Integer type = luaL_checkinteger(L, 2);
  if (type == kVctxConn) return luaL_error(L, "floor: the connection context is not implemented");
  if (type != kVctxMess) return luaL_argerror(L, 2, "context type must be msys.core.VCTX_MESS or msys.core.VCTX_CONN");
  size_t klen, vlen;
  const char* key = luaL_checklstring(L, 3, &klen);
  const char* value = luaL_checklstring(L, 4, &vlen);
  outcome.set(key, klen, value, vlen);
  return 0;
}

// vctx:set_code(code, text)  [-0, +0]
int vctxSetCode(lua_State* L) {
  lua_Integer code = luaL_checkinteger(L, 2);
  if (code < 200 || code > 599) return luaL_argerror(L, 2, "SMTP reply code must be from 200 to 599");
  size_t len;
  const char* text = luaL_optlstring(L, 3, "", &len);
  if (std::memchr(text, '\r', len) || std::memchr(text, '\n', len))
    return luaL_argerror(L, 3, "SMTP reply text must not contain a line break");
  outcome.codeSet = true;
  outcome.code = static_cast<int>(code);
  outcome.text.assign(text, len);
  return 0;
}

// msys.registerModule(name, mod): registry["floor.modules"][name] = mod  [-0, +0]
int msysRegisterModule(lua_State* L) {
  luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, LUA_REGISTRYINDEX, "floor.modules");
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_rawset(L, -3);
  return 0;
}

// [-0, +1] A table of C functions, made once.
void pushMethods(lua_State* L, const luaL_Reg* methods) {
  lua_newtable(L);
  for (; methods->name; methods++) {
    lua_pushcfunction(L, methods->func);
    lua_setfield(L, -2, methods->name);
  }
}

// [-0, +0] msys, msys.core (also as package.loaded["msys.core"]), the module registry.
void installMsys(lua_State* L) {
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "floor.modules");
  lua_newtable(L);  // msys
  lua_newtable(L);  // msys.core
  const std::pair<const char*, int> constants[] = {
      {"VALIDATE_CONT", kValidateCont}, {"VALIDATE_DONE", kValidateDone}, {"VALIDATE_AGAIN", 2},
      {"VCTX_MESS", kVctxMess},         {"VCTX_CONN", kVctxConn},
  };
  for (const auto& [name, value] : constants) {
    lua_pushinteger(L, value);
    lua_setfield(L, -2, name);
  }
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "msys.core");
  lua_pop(L, 2);
  lua_setfield(L, -2, "core");
  lua_pushcfunction(L, msysRegisterModule);
  lua_setfield(L, -2, "registerModule");
  lua_setglobal(L, "msys");
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "floor: %s\n", what.c_str());
  std::exit(1);
}

std::string readAll(const char* path) {
  if (std::string(path) == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(std::string("cannot read ") + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Leaves on L's stack, at 1 to 5: validate_data, the module, msg, accept, vctx.
void loadPolicy(lua_State* L, const char* path, const char* module) {
  std::string source = readAll(path);
  std::string chunk = std::string("@") + path;
  if (luaL_loadbuffer(L, source.data(), source.size(), chunk.c_str()) != 0 || lua_pcall(L, 0, 0, 0) != 0)
    fail(lua_tostring(L, -1));
  lua_getfield(L, LUA_REGISTRYINDEX, "floor.modules");
  lua_getfield(L, -1, module);
  if (!lua_istable(L, -1)) fail(std::string("no module registered as ") + module);
  lua_remove(L, -2);
  lua_getfield(L, -1, "validate_data");
  if (!lua_isfunction(L, -1)) fail(std::string(module) + " has no validate_data");
  lua_insert(L, -2);
  const luaL_Reg msgMethods[] = {{"header", msgHeader}, {"body", msgBody}, {nullptr, nullptr}};
  const luaL_Reg noMethods[] = {{nullptr, nullptr}};
  const luaL_Reg vctxMethods[] = {{"set", vctxSet}, {"set_code", vctxSetCode}, {nullptr, nullptr}};
  pushMethods(L, msgMethods);
  pushMethods(L, noMethods);  // accept: the bench policies read nothing from it
  pushMethods(L, vctxMethods);
}

// [-0, +0] One message through validate_data (at 1, its arguments at 2 to 5).
void runOnce(lua_State* L, const std::string& raw) {
  message.reset(raw.data(), raw.size());
  outcome.reset();
  for (int i = 1; i <= 5; i++) lua_pushvalue(L, i);
  if (lua_pcall(L, 4, 1, 0) != 0) fail(lua_tostring(L, -1));
  lua_Integer action = lua_tointeger(L, -1);
  if (!lua_isnumber(L, -1) || (action != kValidateCont && action != kValidateDone))
    fail("validate_data returned something other than VALIDATE_CONT or VALIDATE_DONE");
  outcome.action = static_cast<int>(action);
  lua_pop(L, 1);
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: floor POLICY.lua MODULE MESSAGE.eml|- [ITERATIONS]\n");
    return 2;
  }
  long iterations = argc > 4 ? std::atol(argv[4]) : 1000000;
  std::string raw = readAll(argv[3]);
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  installMsys(L);
  loadPolicy(L, argv[1], argv[2]);
  for (long i = 0; i < iterations / 10 + 1; i++) runOnce(L, raw);  // warm up the JIT
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; i++) runOnce(L, raw);
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::string mess;
  for (size_t i = 0; i < outcome.messUsed; i++)
    mess += (i ? "," : "") + jsonString(outcome.mess[i].first) + ":" + jsonString(outcome.mess[i].second);
  std::printf("{\"engine\":\"%s\",\"iterations\":%ld,\"nsPerMessage\":%.1f,\"code\":%s,\"text\":%s,"
              "\"action\":\"%s\",\"mess\":{%s},\"maxRssKb\":%ld}\n",
#if defined(SCRIPTLET_LUAJIT)
              "luajit",
#else
              "lua51",
#endif
              iterations, iterations > 0 ? ns / static_cast<double>(iterations) : 0.0,
              outcome.codeSet ? std::to_string(outcome.code).c_str() : "null",
              outcome.codeSet ? jsonString(outcome.text).c_str() : "null",
              outcome.action == kValidateDone ? "done" : "continue", mess.c_str(), peakRssKb());
  lua_close(L);
  return 0;
}
