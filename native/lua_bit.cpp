// The bit library for PUC Lua 5.1, which has none (LuaJIT has it built
// in): LuaJIT's BitOp API and semantics, so that scripts, and the calls
// Momentum's operators are rewritten to, give the same results on both
// engines. Every result is a signed 32-bit integer; arguments are
// normalised as LuaJIT does (modulo 2^32, fractions rounded to nearest
// even), and shift counts use their low 5 bits.
#include <cstdint>
#include <cstring>

#include "dialect/dialect_runtime.hpp"

namespace scriptlet {

namespace {

// LuaJIT's lj_num2bit: adding 2^52 + 2^51 leaves the number, rounded and
// wrapped to 32 bits, in the low word of the double.
int32_t toBit(lua_Number n) {
  double shifted = static_cast<double>(n) + 6755399441055744.0;
  uint64_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return static_cast<int32_t>(static_cast<uint32_t>(bits));
}

// [-0, +0] Argument i as a 32-bit value; raises "number expected" like luaL_checknumber.
uint32_t checkBit(lua_State* L, int i) { return static_cast<uint32_t>(toBit(luaL_checknumber(L, i))); }

// [-0, +1]
int pushBit(lua_State* L, uint32_t b) {
  lua_pushnumber(L, static_cast<lua_Number>(static_cast<int32_t>(b)));
  return 1;
}

int bitTobit(lua_State* L) { return pushBit(L, checkBit(L, 1)); }
int bitBnot(lua_State* L) { return pushBit(L, ~checkBit(L, 1)); }
int bitBswap(lua_State* L) {
  uint32_t b = checkBit(L, 1);
  return pushBit(L, (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
}

// band, bor, bxor take one or more arguments.
template <typename Op>
int fold(lua_State* L, Op op) {
  uint32_t acc = checkBit(L, 1);
  int n = lua_gettop(L);
  for (int i = 2; i <= n; i++) acc = op(acc, checkBit(L, i));
  return pushBit(L, acc);
}
int bitBand(lua_State* L) { return fold(L, [](uint32_t a, uint32_t b) { return a & b; }); }
int bitBor(lua_State* L) { return fold(L, [](uint32_t a, uint32_t b) { return a | b; }); }
int bitBxor(lua_State* L) { return fold(L, [](uint32_t a, uint32_t b) { return a ^ b; }); }

int bitLshift(lua_State* L) {
  uint32_t b = checkBit(L, 1);
  return pushBit(L, b << (checkBit(L, 2) & 31));
}
int bitRshift(lua_State* L) {
  uint32_t b = checkBit(L, 1);
  return pushBit(L, b >> (checkBit(L, 2) & 31));
}
int bitArshift(lua_State* L) {
  int32_t b = static_cast<int32_t>(checkBit(L, 1));
  uint32_t n = checkBit(L, 2) & 31;
  // >> of a negative int is arithmetic on every compiler we build with.
  return pushBit(L, static_cast<uint32_t>(b >> n));
}
int bitRol(lua_State* L) {
  uint32_t b = checkBit(L, 1);
  uint32_t n = checkBit(L, 2) & 31;
  return pushBit(L, (b << n) | (b >> ((32 - n) & 31)));
}
int bitRor(lua_State* L) {
  uint32_t b = checkBit(L, 1);
  uint32_t n = checkBit(L, 2) & 31;
  return pushBit(L, (b >> n) | (b << ((32 - n) & 31)));
}

// tohex(x [, n]): x as n hex digits (default 8), upper case when n < 0.
// LuaJIT 2.1 pads past 8 digits with zeros, up to 254.
int bitTohex(lua_State* L) {
  uint32_t b = checkBit(L, 1);
  int32_t n = lua_isnoneornil(L, 2) ? 8 : static_cast<int32_t>(checkBit(L, 2));
  const char* digits = "0123456789abcdef";
  uint32_t count = static_cast<uint32_t>(n);
  if (n < 0) {
    count = ~count + 1u;
    digits = "0123456789ABCDEF";
  }
  if (count > 254) count = 254;
  char buf[254];
  for (uint32_t i = count; i-- > 0;) {
    buf[i] = digits[b & 15];
    b >>= 4;
  }
  lua_pushlstring(L, buf, count);
  return 1;
}

constexpr luaL_Reg kBitFunctions[] = {
    {"tobit", bitTobit},   {"bnot", bitBnot},     {"band", bitBand}, {"bor", bitBor},
    {"bxor", bitBxor},     {"lshift", bitLshift}, {"rshift", bitRshift}, {"arshift", bitArshift},
    {"rol", bitRol},       {"ror", bitRor},       {"bswap", bitBswap}, {"tohex", bitTohex},
    {nullptr, nullptr},
};

}  // namespace

void installBitLibrary(lua_State* L) {
  luaL_register(L, "bit", kBitFunctions);  // the global and package.loaded.bit
  lua_pop(L, 1);
}

}  // namespace scriptlet
