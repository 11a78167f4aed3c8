// New messages from a policy: msg:inject (this message, or one built with
// msys.core.ec_message_new() and msg:build), msg:forward. Each becomes an
// InjectedMessage of the verdict, which the host sends (scriptlet serve
// spools it). Also installs the extras of lua_api_extras.hpp.
#include <algorithm>
#include <cstring>
#include <ctime>
#include <strings.h>

#include "lua_api_extras.hpp"
#include "util/mime_builder.hpp"

namespace scriptlet {

namespace {

constexpr const char* kEcMessageType = "scriptlet.ec_message";

CallContext* runningOf(lua_State* L) { return *static_cast<RunningCall>(lua_touserdata(L, lua_upvalueindex(1))); }

bool isEcMessage(lua_State* L, int idx) { return isUserdataOf(L, idx, kEcMessageType); }

// [-0, +1] The text msg:build made (fenv[1]), or nil.
void pushBuilt(lua_State* L, int idx) {
  lua_getfenv(L, idx);
  lua_rawgeti(L, -1, 1);
  lua_remove(L, -2);
}

// [-0, +0] t[key] if it is a string (no metamethod runs), else null. The
// bytes stay valid while t holds them.
const char* rawString(lua_State* L, int t, const char* key, size_t* len) {
  lua_pushstring(L, key);
  lua_rawget(L, t < 0 ? t - 1 : t);
  const char* s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, len) : nullptr;
  lua_pop(L, 1);
  return s;
}

// [-0, +0] The first of two names a field may have (content or body, ...).
const char* rawString2(lua_State* L, int t, const char* a, const char* b, size_t* len) {
  const char* s = rawString(L, t, a, len);
  return s ? s : rawString(L, t, b, len);
}

bool isHeaderName(const char* s, size_t n) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 33 || c > 126 || c == ':') return false;
  }
  return true;
}

bool hasLineBreak(const char* s, size_t n) { return std::memchr(s, '\r', n) || std::memchr(s, '\n', n); }

// A MIME type as type/subtype tokens, or a charset token.
bool isToken(const char* s, size_t n, bool mimeType) {
  if (n == 0 || n > 127) return false;
  int slashes = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '/') slashes++;
    else if (c <= 32 || c >= 127 || std::strchr("()<>@,;:\\\"[]?=", c)) return false;
  }
  return mimeType ? slashes == 1 && s[0] != '/' && s[n - 1] != '/' : slashes == 0;
}

// A parts key: "text/html", or "text/plain; charset=utf8" as the vendor's
// msg:build sample writes it: the type, and the charset parameter if any.
void splitTypeKey(const std::string& key, std::string* type, std::string* charset) {
  auto trim = [](std::string t) {
    size_t b = t.find_first_not_of(" \t"), e = t.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
  };
  size_t semi = key.find(';');
  *type = trim(key.substr(0, semi));
  charset->clear();
  if (semi == std::string::npos) return;
  std::string param = trim(key.substr(semi + 1));
  if (param.size() > 8 && strncasecmp(param.c_str(), "charset=", 8) == 0) {
    std::string value = trim(param.substr(8));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    *charset = value;
  } else {
    *charset = "\x01";  // a parameter other than charset: refused (not a token)
  }
}

struct Collected {
  std::vector<MimeHeader> headers;
  std::vector<MimePiece> parts, attachments;
};

// The first fault walkBuild found: the argument and why (a literal).
struct BuildFault {
  int arg = 0;
  const char* why = nullptr;
};

// Walks msg:build's three tables (at 2, 3, 4): returns the bytes they hold
// and notes the first fault; with out, also fills it. It raises nothing,
// so the caller raises once its C++ objects are gone.
size_t walkBuild(lua_State* L, Collected* out, BuildFault* fault) {
  size_t bytes = 0;
  auto fail = [&](int arg, const char* what) {
    if (!fault->why) *fault = BuildFault{arg, what};
  };
  // Headers: "Name: value" strings or {name, value} pairs in order, then
  // name = value (or a list of values) fields, by name.
  size_t count = lua_objlen(L, 2);
  for (size_t i = 1; i <= count; i++) {
    lua_rawgeti(L, 2, static_cast<int>(i));
    size_t nl = 0, vl = 0;
    const char *n = nullptr, *v = nullptr;
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char* s = lua_tolstring(L, -1, &vl);
      const char* colon = static_cast<const char*>(std::memchr(s, ':', vl));
      if (colon) {
        n = s, nl = static_cast<size_t>(colon - s);
        v = colon + 1, vl -= nl + 1;
        while (vl > 0 && *v == ' ') v++, vl--;
      }
    } else if (lua_type(L, -1) == LUA_TTABLE) {
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2);
      if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
        n = lua_tolstring(L, -2, &nl);
        v = lua_tolstring(L, -1, &vl);
      }
      lua_pop(L, 2);  // still held by the pair table
    }
    if (!n || !isHeaderName(n, nl) || hasLineBreak(v, vl))
      fail(2, "header entries must be \"Name: value\" strings or {name, value} pairs, with a printable name and no line break");
    else if (out) out->headers.push_back(MimeHeader{std::string(n, nl), std::string(v, vl)});
    bytes += nl + vl;
    lua_pop(L, 1);
  }
  std::vector<std::string> names;
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) names.emplace_back(lua_tostring(L, -1));
    else if (lua_type(L, -1) != LUA_TNUMBER) fail(2, "header names must be strings");
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    lua_pushlstring(L, name.data(), name.size());
    lua_rawget(L, 2);
    int values = lua_type(L, -1) == LUA_TTABLE ? static_cast<int>(lua_objlen(L, -1)) : 1;
    for (int i = 1; i <= values; i++) {
      if (lua_type(L, -1) == LUA_TTABLE) lua_rawgeti(L, -1, i);
      else lua_pushvalue(L, -1);
      size_t vl = 0;
      const char* v = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &vl) : nullptr;
      if (!v || !isHeaderName(name.data(), name.size()) || hasLineBreak(v, vl))
        fail(2, "a header field must be a printable name with a string value (or a list of them), without line breaks");
      else if (out) out->headers.push_back(MimeHeader{name, std::string(v, vl)});
      bytes += vl;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  // Parts: {type = "text/plain", content = ..., charset = ...} in order,
  // then mimetype = content fields (text/plain, text/html, then by name).
  if (lua_istable(L, 3)) {
    count = lua_objlen(L, 3);
    for (size_t i = 1; i <= count; i++) {
      lua_rawgeti(L, 3, static_cast<int>(i));
      size_t tl = 0, bl = 0, cl = 0;
      const char* type = lua_istable(L, -1) ? rawString2(L, -1, "type", "content_type", &tl) : nullptr;
      const char* body = lua_istable(L, -1) ? rawString2(L, -1, "content", "body", &bl) : nullptr;
      const char* charset = lua_istable(L, -1) ? rawString(L, -1, "charset", &cl) : nullptr;
      if (!type || !isToken(type, tl, true) || !body || (charset && !isToken(charset, cl, false)))
        fail(3, "part entries must be {type = \"text/plain\", content = \"...\" [, charset = \"utf-8\"]}");
      else if (out) out->parts.push_back(MimePiece{std::string(type, tl), charset ? std::string(charset, cl) : "utf-8", "", body, bl});
      bytes += bl;
      lua_pop(L, 1);
    }
    std::vector<std::string> types;
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) == LUA_TSTRING) types.emplace_back(lua_tostring(L, -1));
      else if (lua_type(L, -1) != LUA_TNUMBER) fail(3, "part keys must be MIME types");
    }
    auto rank = [](const std::string& t) { return t == "text/plain" ? 0 : t == "text/html" ? 1 : 2; };
    std::sort(types.begin(), types.end(), [&](const std::string& a, const std::string& b) {
      return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
    });
    for (const std::string& key : types) {
      size_t bl = 0;
      const char* body = rawString(L, 3, key.c_str(), &bl);
      std::string type, charset;
      splitTypeKey(key, &type, &charset);
      if (!body || !isToken(type.data(), type.size(), true) || (!charset.empty() && !isToken(charset.data(), charset.size(), false)))
        fail(3, "parts[mimetype] must be a string (the part's content), keyed by a MIME type with an optional charset (\"text/plain; charset=utf-8\")");
      else if (out) out->parts.push_back(MimePiece{type, charset.empty() ? "utf-8" : charset, "", body, bl});
      bytes += bl;
    }
  } else if (!lua_isnoneornil(L, 3)) {
    fail(3, "parts must be a table or nil");
  }
  // Attachments: {name = "f.pdf", type = "application/pdf", content = ...}.
  if (lua_istable(L, 4)) {
    count = lua_objlen(L, 4);
    for (size_t i = 1; i <= count; i++) {
      lua_rawgeti(L, 4, static_cast<int>(i));
      size_t nl = 0, tl = 0, bl = 0;
      const char* name = lua_istable(L, -1) ? rawString2(L, -1, "name", "filename", &nl) : nullptr;
      const char* type = lua_istable(L, -1) ? rawString2(L, -1, "type", "content_type", &tl) : nullptr;
      const char* body = lua_istable(L, -1) ? rawString2(L, -1, "content", "data", &bl) : nullptr;
      if (!body || (type && !isToken(type, tl, true)) || (name && hasLineBreak(name, nl)))
        fail(4, "attachment entries must be {name = \"file\", type = \"mime/type\", content = \"...\"}");
      else if (out)
        out->attachments.push_back(MimePiece{type ? std::string(type, tl) : "application/octet-stream", "",
                                             name ? std::string(name, nl) : "", body, bl, true});
      bytes += bl;
      lua_pop(L, 1);
    }
  } else if (!lua_isnoneornil(L, 4)) {
    fail(4, "attachments must be a table or nil");
  }
  return bytes;
}

// msg:build(headers, [parts], [attachments]) on a message from
// msys.core.ec_message_new(): composes it (again, if it was built).
int ecMessageBuild(lua_State* L) {
  if (lua_type(L, 1) == LUA_TLIGHTUSERDATA)
    return luaL_error(L, "msg:build fills a new message from msys.core.ec_message_new(), not the message in transit");
  if (!isEcMessage(L, 1)) luaL_typerror(L, 1, "ec_message (from msys.core.ec_message_new())");
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 4);
  BuildFault fault;
  size_t bytes = walkBuild(L, nullptr, &fault);
  if (fault.why) luaL_argerror(L, fault.arg, fault.why);
  if (bytes > kMaxBuiltMessageBytes) luaL_error(L, "msg:build: more than 32 MiB of content");
  lua_getfenv(L, 1);
  lua_rawgeti(L, -1, 2);
  double now = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : static_cast<double>(std::time(nullptr));
  lua_pop(L, 1);
  {
    Collected c;
    std::string text;
    walkBuild(L, &c, &fault);
    buildMimeMessage(c.headers, c.parts, c.attachments, now, text);
    lua_pushlstring(L, text.data(), text.size());
  }
  lua_rawseti(L, -2, 1);
  return 0;
}

// ec_message:raw() -> what msg:build made, "" before.
int ecMessageRaw(lua_State* L) {
  if (!isEcMessage(L, 1)) luaL_typerror(L, 1, "ec_message");
  pushBuilt(L, 1);
  if (lua_isnil(L, -1)) lua_pushliteral(L, "");
  return 1;
}

// msys.core.ec_message_new([now]) -> an empty message for msg:build; now
// (Unix seconds) dates it, else the time of the build.
int ecMessageNew(lua_State* L) {
  if (!lua_isnoneornil(L, 1) && !lua_isnumber(L, 1)) luaL_typerror(L, 1, "number (Unix time) or nil");
  lua_newuserdata(L, 1);
  luaL_getmetatable(L, kEcMessageType);
  lua_setmetatable(L, -2);
  lua_createtable(L, 2, 0);
  if (lua_isnumber(L, 1)) {
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 2);
  }
  lua_setfenv(L, -2);
  return 1;
}

// [-0, +0] Checks an envelope sender (at idx; <> around it allowed).
void checkSender(lua_State* L, int idx, const char** s, size_t* n) {
  *s = luaL_checklstring(L, idx, n);
  if (*n >= 2 && (*s)[0] == '<' && (*s)[*n - 1] == '>') (*s)++, *n -= 2;
  if (!isEnvelopeAddress(*s, *n, true)) luaL_argerror(L, idx, "sender must be an envelope address (\"\" for the null sender)");
}

void pushRecipient(void* out, const char* a, size_t n) { static_cast<std::vector<std::string>*>(out)->emplace_back(a, n); }

// [-0, +0] Checks the recipients at idx and the call's room for one more message.
void checkInjection(lua_State* L, CallContext* call, int rcptIdx, const char* method) {
  if (walkAddresses(L, rcptIdx, method, nullptr, nullptr) > kMaxRecipients) luaL_argerror(L, rcptIdx, "more than 1000 recipients");
  if (call->verdict.injected.size() >= kMaxInjectedPerCall) luaL_error(L, "msg:%s: more than 100 messages sent in one call", method);
}

// [-0, +0] Adds the message (checked) to the verdict.
void addInjected(lua_State* L, CallContext* call, const char* from, size_t fromLen, int rcptIdx, const char* text,
                 size_t len, bool forward) {
  call->verdict.injected.emplace_back();
  InjectedMessage& m = call->verdict.injected.back();
  m.mailfrom.assign(from, fromLen);
  walkAddresses(L, rcptIdx, "", pushRecipient, &m.rcptto);
  m.message.assign(text, len);
  m.forward = forward;
}

// The message in transit as it stands (edits applied), or null before DATA.
const char* currentMessage(CallContext* call, size_t* len) {
  if (!call->message.present()) return nullptr;
  if (call->message.edited()) {
    const std::string& r = call->message.render();
    *len = r.size();
    return r.data();
  }
  return call->message.raw(len);
}

}  // namespace

// msg:inject(mailfrom, rcptto): sends this message (the one in transit, or
// one made by msg:build) to rcptto (comma-separated, or a table).
int msgInject(lua_State* L) {
  CallContext* call;
  const char* text;
  size_t len = 0;
  if (isEcMessage(L, 1)) {
    call = runningOf(L);
    if (!call) return luaL_error(L, "msg:inject needs a running call (not in init)");
    pushBuilt(L, 1);
    if (lua_isnil(L, -1)) return luaL_error(L, "msg:inject: the message is empty (call msg:build first)");
    text = lua_tolstring(L, -1, &len);  // held by the message's environment
    lua_pop(L, 1);
  } else {
    call = checkCall(L, 1, HandleKind::Message);
    text = currentMessage(call, &len);
    if (!text) return luaL_error(L, "msg:inject: no message in %s (before DATA)", calloutName(call->phase));
  }
  const char* from;
  size_t fromLen;
  checkSender(L, 2, &from, &fromLen);
  checkInjection(L, call, 3, "inject");
  addInjected(L, call, from, fromLen, 3, text, len, false);
  return 0;
}

int msgBuild(lua_State* L) { return ecMessageBuild(L); }

// msg:forward(sender, rcptto, text, [subject], [charset]): sends a new
// message from sender to rcptto: text, then this message attached
// (message/rfc822; before DATA there is none, so only the text).
int msgForward(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  const char* from;
  size_t fromLen;
  checkSender(L, 2, &from, &fromLen);
  size_t textLen, subjectLen = 0, charsetLen = 5;
  const char* text = luaL_checklstring(L, 4, &textLen);
  const char* subject = luaL_optlstring(L, 5, nullptr, &subjectLen);
  const char* charset = luaL_optlstring(L, 6, "utf-8", &charsetLen);
  if (subject && hasLineBreak(subject, subjectLen)) luaL_argerror(L, 5, "subject must not contain a line break");
  if (!isToken(charset, charsetLen, false)) luaL_argerror(L, 6, "charset must be a MIME charset name");
  checkInjection(L, call, 3, "forward");
  std::vector<std::string> rcpts;
  walkAddresses(L, 3, "", pushRecipient, &rcpts);
  {
    std::vector<MimeHeader> headers;
    std::vector<MimePiece> parts, attachments;
    std::string to;
    for (const std::string& r : rcpts) to += (to.empty() ? "<" : ", <") + r + ">";
    headers.push_back(MimeHeader{"From", "<" + std::string(from, fromLen) + ">"});
    headers.push_back(MimeHeader{"To", to});
    headers.push_back(MimeHeader{"Subject", encodeHeaderText(subject ? std::string(subject, subjectLen) : "Forwarded message")});
    parts.push_back(MimePiece{"text/plain", std::string(charset, charsetLen), "", text, textLen});
    size_t len = 0;
    const char* original = currentMessage(call, &len);
    if (original) attachments.push_back(MimePiece{"message/rfc822", "", "", original, len, true, true});
    std::string built;
    buildMimeMessage(headers, parts, attachments, static_cast<double>(std::time(nullptr)), built);
    call->verdict.injected.emplace_back();
    InjectedMessage& m = call->verdict.injected.back();
    m.mailfrom.assign(from, fromLen);
    m.rcptto.swap(rcpts);
    m.message.swap(built);
    m.forward = true;
  }
  return 0;
}

void installMessageExtras(lua_State* L, RunningCall running) {
  installEcString(L);
  luaL_newmetatable(L, kEcMessageType);
  static const luaL_Reg kEcMessageMethods[] = {
      {"build", ecMessageBuild},
      {"inject", msgInject},
      {"raw", ecMessageRaw},
      {nullptr, nullptr},
  };
  pushMethodTable(L, kEcMessageMethods, running);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "ec_message");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lua_getglobal(L, "msys");
  lua_getfield(L, -1, "core");
  lua_pushcfunction(L, ecMessageNew);
  lua_setfield(L, -2, "ec_message_new");
  lua_pop(L, 1);
  installAcceptConstruct(L, running);
  // vctx:* and ac:* are built in; the modules exist so that scripts which
  // require them, as on Momentum, load unchanged.
  lua_getfield(L, -1, "extended");
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  for (const char* name : {"vctx", "ac"}) {
    lua_getfield(L, -3, name);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushvalue(L, -1);
      lua_setfield(L, -5, name);
    }
    lua_setfield(L, -2, (std::string("msys.extended.") + name).c_str());
  }
  lua_pop(L, 4);
}

}  // namespace scriptlet
