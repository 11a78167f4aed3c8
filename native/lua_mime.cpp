// msg:mime() and msg:text(), and the msgpart handles of a MIME tree: their
// fields (.thread, .parts, .body_start, .body_end) and reading methods
// (content_type, header, text, address_header, raw, body). The writable
// side is in lua_mime_edit.cpp.
#include <cstring>
#include <string>
#include <vector>

#include "lua_mime.hpp"
#include "mime/mime_codecs.hpp"
#include "util/address_list.hpp"
#include "util/rfc2047.hpp"

namespace scriptlet {

namespace {

constexpr const char* kPartMeta = "scriptlet.msgpart";

CallContext* running(lua_State* L) { return *static_cast<RunningCall>(lua_touserdata(L, lua_upvalueindex(1))); }

// [-0, +1] A header value, RFC 2047-decoded as msg:header gives it.
void pushDecoded(lua_State* L, CallContext* call, const char* v, size_t n) {
  if (!mayHaveEncodedWords(v, n)) {
    lua_pushlstring(L, v, n);
    return;
  }
  std::string& out = call->scratch.text;
  out.clear();
  decodeEncodedWords(v, n, out, call->scratch.rfc2047);
  lua_pushlstring(L, out.data(), out.size());
}

// [-0, +1] Sets t[key] = s (t at -1) when s is not empty.
void setString(lua_State* L, const char* key, const std::string& s) {
  lua_pushlstring(L, s.data(), s.size());
  lua_setfield(L, -2, key);
}

// msgpart:content_type() -> { mimetype, charset, encoding, is_attachment, filename }
int partContentType(lua_State* L) {
  PartArg p = checkPart(L, 1);
  HeaderParams ct, disposition;
  p.tree->contentType(p.part, ct);
  std::string charset, encoding, filename;
  bool hasCharset = ct.get("charset", charset);
  for (char& c : charset) c = static_cast<char>(asciiLower(static_cast<unsigned char>(c)));
  if (!hasCharset && ct.value.compare(0, 5, "text/") == 0) charset = "us-ascii", hasCharset = true;
  p.tree->transferEncoding(p.part, encoding);
  bool found = false;
  p.tree->forEachValue(p.part, "Content-Disposition", 19, [&](const char* v, size_t n) {
    if (!found) disposition.parse(v, n);
    found = true;
  });
  bool hasFilename = (found && disposition.get("filename", filename)) || ct.get("name", filename);
  lua_createtable(L, 0, 5);
  setString(L, "mimetype", ct.value);
  if (hasCharset) setString(L, "charset", charset);
  setString(L, "encoding", encoding);
  lua_pushboolean(L, hasFilename);
  lua_setfield(L, -2, "is_attachment");
  if (hasFilename) setString(L, "filename", filename);
  return 1;
}

// msgpart:header(name) -> { value, ... }; with a value (or nil): edits.
int partHeader(lua_State* L) {
  PartArg p = checkPart(L, 1);
  size_t nameLen;
  const char* name = luaL_checklstring(L, 2, &nameLen);
  if (lua_gettop(L) >= 3) return partSetHeader(L, p);
  lua_createtable(L, 1, 0);
  int i = 0;
  p.tree->forEachValue(p.part, name, nameLen, [&](const char* v, size_t n) {
    pushDecoded(L, p.call, v, n);
    lua_rawseti(L, -2, ++i);
  });
  return 1;
}

// msgpart:text() -> UTF-8 text, or nil; msgpart:text(value [, type [, charset]]) sets it.
int partText(lua_State* L) {
  PartArg p = checkPart(L, 1);
  if (!lua_isnoneornil(L, 2)) return partSetText(L, p, 2);
  std::string& out = p.call->mime.text;
  out.clear();
  if (!mimePartText(*p.tree, p.part, out)) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// msgpart:address_header(name [, part]): as msg:address_header, on this part.
int partAddressHeader(lua_State* L) {
  PartArg p = checkPart(L, 1);
  size_t nameLen;
  const char* name = luaL_checklstring(L, 2, &nameLen);
  const char* which = luaL_optstring(L, 3, "address");
  int w = std::strcmp(which, "address") == 0 ? 0 : std::strcmp(which, "name") == 0 ? 1
          : std::strcmp(which, "local_part") == 0 ? 2 : std::strcmp(which, "domain") == 0 ? 3 : -1;
  if (w < 0) luaL_argerror(L, 3, "part must be 'address', 'name', 'local_part' or 'domain'");
  std::vector<Address> list;
  p.tree->forEachValue(p.part, name, nameLen, [&](const char* v, size_t n) { parseAddressList(v, n, list); });
  lua_createtable(L, static_cast<int>(list.size()), 0);
  int i = 0;
  for (Address& a : list) {
    size_t at = a.address.rfind('@');
    if (w == 1) {
      pushDecoded(L, p.call, a.display.data(), a.display.size());
    } else if (w == 0) {
      lua_pushlstring(L, a.address.data(), a.address.size());
    } else if (w == 2) {
      lua_pushlstring(L, a.address.data(), at == std::string::npos ? a.address.size() : at);
    } else {
      size_t from = at == std::string::npos ? a.address.size() : at + 1;
      lua_pushlstring(L, a.address.data() + from, a.address.size() - from);
    }
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

// msgpart:raw() -> the part, header and body, as it stands (the root: the message).
int partRaw(lua_State* L) {
  PartArg p = checkPart(L, 1);
  const std::string& out = partRawText(p);
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// msgpart:body() -> the part's body as written (still transfer-encoded).
int partBody(lua_State* L) {
  PartArg p = checkPart(L, 1);
  std::string& out = p.call->mime.work;
  out.clear();
  p.tree->renderPartBodyTo(p.part, out);
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// [-0, +1] __index: the fields, else the methods (upvalue 2).
int partIndex(lua_State* L) {
  size_t len;
  const char* key = lua_tolstring(L, 2, &len);
  if (key && (std::strcmp(key, "thread") == 0 || std::strcmp(key, "parts") == 0 ||
              std::strcmp(key, "body_start") == 0 || std::strcmp(key, "body_end") == 0)) {
    PartArg p = checkPart(L, 1);
    const MimePart& part = p.tree->part(p.part);
    bool writable = p.tree->writable();
    if (key[0] == 't') {
      int next = p.tree->thread(p.part);
      if (next < 0) lua_pushnil(L);
      else pushPart(L, p.call, next, writable);
    } else if (key[0] == 'p') {
      if (!part.container) {
        lua_pushnil(L);
        return 1;
      }
      lua_newtable(L);
      int i = 0;
      for (int c = part.firstChild; c >= 0; c = p.tree->part(c).next) {
        pushPart(L, p.call, c, writable);
        lua_rawseti(L, -2, ++i);
      }
    } else {
      size_t v = !part.fromSource ? 0 : key[5] == 's' ? part.bodyStart : part.bodyEnd;
      lua_pushinteger(L, static_cast<lua_Integer>(v));
    }
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(2));
  return 1;
}

// [-0, +0] __newindex: Momentum's example sets body_start/body_end by hand
// after makePart; here the body is what makePart/text() set, so those two
// are accepted and ignored. Anything else raises.
int partNewIndex(lua_State* L) {
  checkPart(L, 1);
  const char* key = lua_tostring(L, 2);
  if (key && (std::strcmp(key, "body_start") == 0 || std::strcmp(key, "body_end") == 0)) return 0;
  return luaL_error(L, "msgpart: cannot set field '%s'", key ? key : "?");
}

int partEq(lua_State* L) {
  auto* a = static_cast<PartRef*>(luaL_checkudata(L, 1, kPartMeta));
  auto* b = static_cast<PartRef*>(luaL_checkudata(L, 2, kPartMeta));
  // A tree lives one generation of the message bytes (its own kind's).
  lua_pushboolean(L, a->serial == b->serial && a->part == b->part && a->writable == b->writable &&
                         a->generation == b->generation);
  return 1;
}

int partToString(lua_State* L) {
  auto* r = static_cast<PartRef*>(luaL_checkudata(L, 1, kPartMeta));
  CallContext* call = running(L);
  if (!call || call->serial != r->serial) {
    lua_pushstring(L, "msgpart: (ended)");
    return 1;
  }
  PartArg p = checkPart(L, 1);
  HeaderParams ct;
  p.tree->contentType(p.part, ct);
  lua_pushfstring(L, "msgpart: %s", ct.value.c_str());
  return 1;
}

// msg:mime([readonly]) -> the root msgpart (nil before DATA). false: the
// writable tree, the same one for the whole call.
int msgMime(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  bool readOnly = lua_isnoneornil(L, 2) || lua_toboolean(L, 2);
  MimeTree* tree = readOnly ? readOnlyTree(call) : writableTree(call);
  if (!tree) {
    lua_pushnil(L);
    return 1;
  }
  pushPart(L, call, 0, !readOnly);
  return 1;
}

// msg:text() -> the text of every text/* part: a string for one, a table
// (in tree order) for several, nil for none. With a value: replaces the
// message's body with that text (lua_mime_edit.cpp).
int msgText(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  if (!lua_isnoneornil(L, 2)) {
    MimeTree* tree = writableTree(call);
    if (!tree) return luaL_error(L, "msg:text: there is no message in this phase");
    PartArg root{call, tree, 0};
    return partSetText(L, root, 2);
  }
  MimeTree* tree = readOnlyTree(call);
  if (!tree) {
    lua_pushnil(L);
    return 1;
  }
  lua_newtable(L);
  int n = 0;
  HeaderParams ct;
  for (int i = 0; i >= 0; i = tree->thread(i)) {
    if (tree->part(i).container) continue;
    tree->contentType(i, ct);
    if (ct.value.compare(0, 5, "text/") != 0) continue;
    std::string& out = call->mime.text;
    out.clear();
    if (!mimePartText(*tree, i, out)) continue;
    lua_pushlstring(L, out.data(), out.size());
    lua_rawseti(L, -2, ++n);
  }
  if (n == 0) lua_pushnil(L);
  else if (n == 1) lua_rawgeti(L, -1, 1);
  else return 1;
  return 1;
}

const luaL_Reg kPartMethods[] = {
    {"content_type", partContentType},
    {"header", partHeader},
    {"text", partText},
    {"address_header", partAddressHeader},
    {"raw", partRaw},
    {"body", partBody},
    {nullptr, nullptr},
};

// [-0, +0] Adds methods (closures over running) to the table at -1.
void addMethods(lua_State* L, const luaL_Reg* methods, RunningCall running) {
  for (const luaL_Reg* r = methods; r->name; r++) {
    lua_pushlightuserdata(L, const_cast<CallContext**>(running));
    lua_pushcclosure(L, r->func, 1);
    lua_setfield(L, -2, r->name);
  }
}

}  // namespace

const std::string& partRawText(const PartArg& p) {
  std::string& out = p.call->mime.work;
  out.clear();
  if (p.part == 0) {
    MessageView& view = p.call->message;
    if (view.edited()) {
      out = view.render();
    } else {
      size_t len;
      const char* raw = view.raw(&len);
      out.assign(raw ? raw : "", len);
    }
  } else {
    p.tree->renderPartTo(p.part, out);
  }
  return out;
}

PartArg checkPart(lua_State* L, int idx) {
  auto* r = static_cast<PartRef*>(luaL_checkudata(L, idx, kPartMeta));
  CallContext* call = running(L);
  if (!call || call->serial != r->serial) luaL_error(L, "msgpart used after the call it was given to has ended");
  MimeCallState& m = call->mime;
  if (r->writable) {
    if (!m.writableValid || r->generation != m.writableGeneration || r->part >= static_cast<int32_t>(m.writable.size()))
      luaL_error(L, "msgpart of a writable MIME tree msg:body_replace or msg:raw_replace has replaced: call msg:mime(false) again");
    return PartArg{call, &m.writable, r->part};
  }
  if (!m.readOnlyValid || r->generation != m.generation || r->part >= static_cast<int32_t>(m.readOnly.size()))
    luaL_error(L, "msgpart of a read-only MIME tree the message has changed since: call msg:mime() again");
  return PartArg{call, &m.readOnly, r->part};
}

void pushPart(lua_State* L, CallContext* call, int part, bool writable) {
  auto* r = static_cast<PartRef*>(lua_newuserdata(L, sizeof(PartRef)));
  r->serial = call->serial;
  r->generation = writable ? call->mime.writableGeneration : call->mime.generation;
  r->part = part;
  r->writable = writable;
  luaL_getmetatable(L, kPartMeta);
  lua_setmetatable(L, -2);
}

void installMime(lua_State* L, RunningCall running) {
  luaL_newmetatable(L, kPartMeta);
  lua_newtable(L);  // methods
  addMethods(L, kPartMethods, running);
  addMethods(L, kPartEditMethods, running);
  addMethods(L, kPartMatchMethods, running);
  addMethods(L, kPartReplaceMethods, running);
  lua_pushlightuserdata(L, const_cast<CallContext**>(running));
  lua_insert(L, -2);
  lua_pushcclosure(L, partIndex, 2);
  lua_setfield(L, -2, "__index");
  lua_pushlightuserdata(L, const_cast<CallContext**>(running));
  lua_pushcclosure(L, partNewIndex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, partEq);
  lua_setfield(L, -2, "__eq");
  lua_pushlightuserdata(L, const_cast<CallContext**>(running));
  lua_pushcclosure(L, partToString, 1);
  lua_setfield(L, -2, "__tostring");
  lua_pushstring(L, "msgpart");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

void addMimeMessageMethods(lua_State* L, RunningCall running) {
  static const luaL_Reg kMessageMethods[] = {
      {"mime", msgMime},
      {"text", msgText},
      {nullptr, nullptr},
  };
  addMethods(L, kMessageMethods, running);
  addMethods(L, kMessageEditMethods, running);
  addMethods(L, kMessageTextMatchMethods, running);
  addMethods(L, kMessageTextReplaceMethods, running);
}

}  // namespace scriptlet
