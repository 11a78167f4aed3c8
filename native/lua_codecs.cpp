// msys.base64 and msys.qp: encode/decode, with an optional charset that
// the text is converted from (decode: to UTF-8) or to (encode: from UTF-8).
// Decoding raises on bad input, as Momentum's does; the MIME tree's own
// decoding (msgpart:text) is lenient instead (lua_mime.cpp).
#include <string>

#include "lua_api.hpp"
#include "mime/mime_codecs.hpp"

namespace scriptlet {

namespace {

enum class Codec { Base64, Qp };

// Both stages run with the strings scoped, so that the error is raised
// after they are gone; the result is pushed from a Lua buffer.
int decode(lua_State* L, Codec codec, const char* name) {
  size_t n, csLen = 0;
  const char* s = luaL_checklstring(L, 1, &n);
  const char* charset = luaL_optlstring(L, 2, nullptr, &csLen);
  const char* error = nullptr;
  bool unknownCharset = false;
  {
    std::string bytes, text;
    bool ok = codec == Codec::Base64 ? base64DecodeStrict(s, n, bytes, &error) : qpDecodeStrict(s, n, bytes, &error);
    if (ok && charset) {
      unknownCharset = !charsetToUtf8(charset, csLen, bytes.data(), bytes.size(), text);
      bytes.swap(text);
    }
    if (ok && !unknownCharset) lua_pushlstring(L, bytes.data(), bytes.size());
  }
  if (error) return luaL_error(L, "%s: %s", name, error);
  if (unknownCharset) return luaL_error(L, "%s: unknown charset '%s'", name, charset);
  return 1;
}

int encode(lua_State* L, Codec codec, bool fold, int charsetIdx, const char* name) {
  size_t n, csLen = 0;
  const char* s = luaL_checklstring(L, 1, &n);
  const char* charset = luaL_optlstring(L, charsetIdx, nullptr, &csLen);
  const char* error = nullptr;
  {
    std::string converted, out;
    if (charset && utf8ToCharset(charset, csLen, s, n, converted, &error)) {
      s = converted.data();
      n = converted.size();
    }
    if (!error) {
      if (codec == Codec::Base64) base64Encode(s, n, out, fold ? 76 : 0);
      else qpEncode(s, n, out);
      lua_pushlstring(L, out.data(), out.size());
    }
  }
  if (error) return luaL_error(L, "%s: %s (charset '%s')", name, error, charset);
  return 1;
}

// msys.base64.encode(original [, fold [, charset]])
int base64EncodeFn(lua_State* L) {
  return encode(L, Codec::Base64, lua_toboolean(L, 2) != 0, 3, "msys.base64.encode");
}
// msys.base64.decode(encoded [, charset])
int base64DecodeFn(lua_State* L) { return decode(L, Codec::Base64, "msys.base64.decode"); }
// msys.qp.encode(original [, charset])
int qpEncodeFn(lua_State* L) { return encode(L, Codec::Qp, false, 2, "msys.qp.encode"); }
// msys.qp.decode(encoded [, charset])
int qpDecodeFn(lua_State* L) { return decode(L, Codec::Qp, "msys.qp.decode"); }

// [-0, +0] msys[field] = package.loaded[module] = { encode, decode }.
void installCodec(lua_State* L, const char* field, const char* module, lua_CFunction enc, lua_CFunction dec) {
  lua_getglobal(L, "msys");
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, enc);
  lua_setfield(L, -2, "encode");
  lua_pushcfunction(L, dec);
  lua_setfield(L, -2, "decode");
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, field);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, module);
  lua_pop(L, 4);
}

}  // namespace

void installCodecs(lua_State* L) {
  installCodec(L, "base64", "msys.base64", base64EncodeFn, base64DecodeFn);
  installCodec(L, "qp", "msys.qp", qpEncodeFn, qpDecodeFn);
}

}  // namespace scriptlet
