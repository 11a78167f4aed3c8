// Cost of rewriteMomentumDialect per KB of source: on plain Lua (the fast
// path: one scan, no copy) and on Lua with operators (tokenize, walk the
// grammar, copy), beside LuaJIT's own luaL_loadbuffer of the same text.
// Build and run from the repository root (after npm run build):
//   g++ -O2 -std=gnu++17 -Inative/dialect -Ibuild/Release/luajit/src -o /tmp/dialect-scan
//     bench/dialect-scan/scan_bench.cpp native/dialect/momentum_dialect.cpp
//     native/dialect/dialect_parser.cpp native/dialect/lua_lexer.cpp
//     build/Release/luajit/src/libluajit.a -ldl -lm          (one command)
//   /tmp/dialect-scan bench/policies/*.lua examples/*.lua
// The files given are repeated to 1 MB.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include "momentum_dialect.hpp"
extern "C" {
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
}
using namespace scriptlet;
static double perKb(const std::string& src, int reps, DialectResult* r) {
  std::string out; DialectError err;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; i++) { out.clear(); *r = rewriteMomentumDialect(src.data(), src.size(), &out, &err); }
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / reps;
  return ns / (src.size() / 1024.0);
}
int main(int argc, char** argv) {
  std::string plain;
  for (int i = 1; i < argc; i++) { std::ifstream f(argv[i]); std::stringstream ss; ss << f.rdbuf(); plain += ss.str(); plain += "\n"; }
  std::string big; while (big.size() < (1 << 20)) big += plain;
  std::string ops = big + "\nlocal z = (a & 0xff) | (b << 2) ^^ ~c\n";
  DialectResult r1, r2;
  double a = perKb(big, 200, &r1), b = perKb(ops, 20, &r2);
  lua_State* L = luaL_newstate();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; i++) { luaL_loadbuffer(L, big.data(), big.size(), "=x"); lua_settop(L, 0); lua_gc(L, LUA_GCCOLLECT, 0); }
  double c = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / 5 / (big.size() / 1024.0);
  lua_close(L);
  std::printf("luaL_loadbuffer (LuaJIT): %.0f ns/KB\n", c);
  std::printf("source %zu KB; plain Lua: %.0f ns/KB (result %d); with operators: %.0f ns/KB (result %d)\n", big.size() / 1024, a, (int)r1, b, (int)r2);
}
