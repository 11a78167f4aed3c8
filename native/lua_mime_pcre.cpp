// PCRE2 over MIME parts: msg:text_match and msgpart:body_match, raw_match and
// text_match. The subjects are the ones the reading methods give
// (msgpart:body(), msgpart:raw(), msgpart:text(), msg:text()), so a pattern
// sees exactly what a script would see by reading first; the matching and
// the shape of the result are msg:body_match's (lua_pcre.hpp).
#include <string>

#include "lua_mime.hpp"
#include "lua_pcre.hpp"
#include "mime/mime_text.hpp"

namespace scriptlet {

namespace {

// [-0, +1|3] The matches in one subject, as pushPcreMatches gives them.
int matchIn(lua_State* L, const std::string& subject, const char* fname) {
  return pushPcreMatches(L, subject.data(), subject.size(), 2, fname);
}

// msgpart:body_match(pattern): the part's body as written (still encoded).
int partBodyMatch(lua_State* L) {
  PartArg p = checkPart(L, 1);
  std::string& subject = p.call->mime.work;
  subject.clear();
  p.tree->renderPartBodyTo(p.part, subject);
  return matchIn(L, subject, "msgpart:body_match");
}

// msgpart:raw_match(pattern): the part, header and body, as written; for
// the root part, the whole message with its header edits.
int partRawMatch(lua_State* L) {
  PartArg p = checkPart(L, 1);
  return matchIn(L, partRawText(p), "msgpart:raw_match");
}

// msgpart:text_match(pattern): the part's decoded UTF-8 text; false when it
// has none (a container, an empty body).
int partTextMatch(lua_State* L) {
  PartArg p = checkPart(L, 1);
  luaL_checkstring(L, 2);
  std::string& subject = p.call->mime.text;
  subject.clear();
  if (!mimePartText(*p.tree, p.part, subject)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  return matchIn(L, subject, "msgpart:text_match");
}

// msg:text_match(pattern): every match in the decoded text of every text/*
// part (msg:text()'s parts, in tree order), as one array; false for none.
int msgTextMatch(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  luaL_checkstring(L, 2);
  MimeTree* tree = readOnlyTree(call);
  lua_newtable(L);  // every match, all parts together
  int all = lua_gettop(L);
  int n = 0;
  HeaderParams ct;
  for (int i = 0; tree && i >= 0; i = tree->thread(i)) {
    if (tree->part(i).container) continue;
    tree->contentType(i, ct);
    if (ct.value.compare(0, 5, "text/") != 0) continue;
    std::string& subject = call->mime.text;
    subject.clear();
    if (!mimePartText(*tree, i, subject)) continue;
    int pushed = matchIn(L, subject, "msg:text_match");
    if (pushed == 3) return 3;  // the pattern does not compile: nil, errstr, errnum
    if (lua_istable(L, -1)) {
      for (int k = 1;; k++) {
        lua_rawgeti(L, -1, k);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        lua_rawseti(L, all, ++n);
      }
    }
    lua_pop(L, 1);
  }
  if (n == 0) lua_pushboolean(L, 0);
  else lua_pushvalue(L, all);
  return 1;
}

}  // namespace

const luaL_Reg kPartMatchMethods[] = {
    {"body_match", partBodyMatch},
    {"raw_match", partRawMatch},
    {"text_match", partTextMatch},
    {nullptr, nullptr},
};

const luaL_Reg kMessageTextMatchMethods[] = {
    {"text_match", msgTextMatch},
    {nullptr, nullptr},
};

}  // namespace scriptlet
