// msg:body_match, msg:raw_match, msg:body_replace, msg:raw_replace: PCRE2
// over the message as it stands. body = after the blank line that ends the
// header, raw = the whole message with the header edits made so far; both
// still transfer-encoded (base64 stays base64: msg:text_match is for text).
// A replacement gives the host a new message (Verdict::replacedMessage).
#include <string>

#include "lua_api.hpp"
#include "lua_pcre.hpp"
#include "mime/mime_call.hpp"
#include "pcre/pattern_cache.hpp"

namespace scriptlet {

namespace {

CallContext* self(lua_State* L) { return checkCall(L, 1, HandleKind::Message); }

// The whole message as it stands (header edits applied).
const char* wholeMessage(CallContext* call, size_t* len) {
  if (call->message.edited()) {
    const std::string& rendered = call->message.render();
    *len = rendered.size();
    return rendered.data();
  }
  const char* raw = call->message.raw(len);
  return raw ? raw : "";
}

// The new message, built in the cache's scratch, becomes the verdict's and
// the view reads it from now on (later reads and edits see the change).
void commitMessage(CallContext* call, std::string& next) {
  Verdict& v = call->verdict;
  v.replacedMessage.swap(next);
  v.messageReplaced = true;
  forgetMimeTrees(call);  // parts of msg:mime() point into the old bytes, msg:mime(false)'s hold them
  call->message.reset(v.replacedMessage.data(), v.replacedMessage.size());
}

// [-0, +1|3] Replaces in the body, or in the whole message (wholeRaw).
int replaceIn(lua_State* L, bool wholeRaw, const char* fname) {
  CallContext* call = self(L);
  if (!call->message.present()) return luaL_error(L, "%s: there is no message in this phase", fname);
  size_t fullLen, bodyLen;
  const char* full = wholeMessage(call, &fullLen);
  const char* body = call->message.body(&bodyLen);
  const char* subject = wholeRaw ? full : body;
  size_t subjectLen = wholeRaw ? fullLen : bodyLen;
  const char* out;
  size_t outLen;
  int n = pcreReplace(L, subject, subjectLen, 2, 3, fname, &out, &outLen);
  if (n < 0) return -n;
  if (n == 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  {
    std::string& next = pcreCacheOf(L)->messageScratch();
    next.clear();
    if (!wholeRaw) next.append(full, fullLen - bodyLen);  // the header section, edits included
    next.append(out, outLen);
    commitMessage(call, next);
  }
  lua_pushinteger(L, n);
  return 1;
}

}  // namespace

// msg:body_match(pattern) -> { match, ... } or false
int msgBodyMatch(lua_State* L) {
  CallContext* call = self(L);
  size_t len;
  const char* body = call->message.body(&len);
  return pushPcreMatches(L, body, len, 2, "msg:body_match");
}

// msg:raw_match(pattern) -> { match, ... } or false
int msgRawMatch(lua_State* L) {
  CallContext* call = self(L);
  size_t len;
  const char* raw = wholeMessage(call, &len);
  return pushPcreMatches(L, raw, len, 2, "msg:raw_match");
}

// msg:body_replace(pattern, replacement) -> number of replacements, or false
int msgBodyReplace(lua_State* L) { return replaceIn(L, false, "msg:body_replace"); }

// msg:raw_replace(pattern, replacement) -> number of replacements, or false
int msgRawReplace(lua_State* L) { return replaceIn(L, true, "msg:raw_replace"); }

}  // namespace scriptlet
