// Writable MIME trees: msg:mime(false), msg:makePart, msg:makeContainer,
// msg:makeBoundary, msgpart:header(name, value|nil [, mode]),
// msgpart:text(value [, type [, charset]]), msg:text(value, ...) and the
// tree's links (addFirstChild, addLastChild, insertBefore, insertAfter,
// unlink). After every edit the message is rendered from the tree: later
// reads (msg:raw, msg:body, msg:mime()) see it, and the verdict carries it.
#include <cstring>
#include <string>

#include "lua_mime.hpp"
#include "mime/mime_codecs.hpp"

namespace scriptlet {

namespace {

// Transfer encodings, as msys.core.EC_MIME_TE_* name them (the numbers are ours).
enum TransferEncoding : int { kTe7bit = 1, kTe8bit = 2, kTeBinary = 3, kTeQuotedPrintable = 4, kTeBase64 = 5 };
const char* const kTeNames[] = {"", "7bit", "8bit", "binary", "quoted-printable", "base64"};

MessageView::Mode checkMode(lua_State* L, int idx, HeaderEdit::Op* op) {
  const char* mode = luaL_optstring(L, idx, "replace");
  if (std::strcmp(mode, "replace") == 0) { *op = HeaderEdit::Op::Replace; return MessageView::Mode::Replace; }
  if (std::strcmp(mode, "prepend") == 0) { *op = HeaderEdit::Op::Prepend; return MessageView::Mode::Prepend; }
  if (std::strcmp(mode, "append") == 0) { *op = HeaderEdit::Op::Append; return MessageView::Mode::Append; }
  luaL_argerror(L, idx, "mode must be 'replace', 'prepend' or 'append'");
  return MessageView::Mode::Replace;
}

// A header of part p changes: the root's through the message view (and the
// verdict's header edits, as msg:header), the others in the tree.
void editHeader(PartArg& p, const char* name, size_t nameLen, const char* value, size_t valueLen,
                MessageView::Mode mode, HeaderEdit::Op op, bool remove) {
  if (p.part != 0) {
    if (remove) p.tree->deleteHeader(p.part, name, nameLen);
    else p.tree->setHeader(p.part, name, nameLen, value, valueLen, mode);
    return;
  }
  MessageView& view = p.call->message;
  if (remove) view.deleteHeader(name, nameLen);
  else view.setHeader(name, nameLen, value, valueLen, mode);
  HeaderEdit edit;
  edit.op = remove ? HeaderEdit::Op::Delete : op;
  edit.name.assign(name, nameLen);
  if (!remove) edit.value.assign(value, valueLen);
  p.call->verdict.headerEdits.push_back(std::move(edit));
}

void setHeaderString(PartArg& p, const char* name, const std::string& value) {
  editHeader(p, name, std::strlen(name), value.data(), value.size(), MessageView::Mode::Replace,
             HeaderEdit::Op::Replace, false);
}

// [-0, +0] The transfer encoding at idx: an EC_MIME_TE_* number or its name.
int checkEncoding(lua_State* L, int idx) {
  if (lua_isnoneornil(L, idx)) return kTe7bit;
  if (lua_type(L, idx) == LUA_TNUMBER) {
    lua_Integer n = lua_tointeger(L, idx);
    if (n >= kTe7bit && n <= kTeBase64) return static_cast<int>(n);
  } else if (const char* s = lua_tostring(L, idx)) {
    for (int i = kTe7bit; i <= kTeBase64; i++)
      if (strcasecmp(s, kTeNames[i]) == 0) return i;
  }
  luaL_argerror(L, idx, "encoding must be a msys.core.EC_MIME_TE_* value");
  return kTe7bit;
}

void encodeBody(int te, const char* s, size_t n, std::string& out) {
  if (te == kTeBase64) {
    base64Encode(s, n, out, 76);  // the line break before the next delimiter is the delimiter's
  } else if (te == kTeQuotedPrintable) {
    qpEncode(s, n, out);
  } else {
    out.append(s, n);
  }
}

// Text that may go as it is: ASCII, no NUL, no bare CR, lines of 998 or fewer.
bool fits7bit(const std::string& s) {
  size_t line = 0;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || c == 0 || (c == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) return false;
    line = c == '\n' ? 0 : line + 1;
    if (line > 998) return false;
  }
  return true;
}

bool isBoundaryChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || std::strchr("'()+_,-./:=? ", c);
}

void checkBoundary(lua_State* L, int idx, const char* b, size_t n) {
  bool ok = n >= 1 && n <= 70 && b[n - 1] != ' ';
  for (size_t i = 0; ok && i < n; i++) ok = isBoundaryChar(b[i]);
  if (!ok) luaL_argerror(L, idx, "boundary must be 1 to 70 of RFC 2046's characters, not ending in a space");
}

bool contains(const char* hay, size_t n, const std::string& needle) {
  return n >= needle.size() && memmem(hay, n, needle.data(), needle.size()) != nullptr;
}

// A boundary found nowhere in the message as it stands, the writable
// tree's source, or the parts passed (their rendered bytes).
// The parts (from firstPart on) are checked by the caller, before any
// string of its is alive: checkPart raises.
void newBoundary(lua_State* L, CallContext* call, int firstPart, std::string& out) {
  MimeCallState& m = call->mime;
  std::string rendered;
  for (int i = firstPart; i <= lua_gettop(L); i++) {
    PartArg p = checkPart(L, i);
    p.tree->renderPartTo(p.part, rendered);
  }
  static const char kHex[] = "0123456789abcdef";
  uint64_t x = call->serial * 0x9E3779B97F4A7C15ull ^ reinterpret_cast<uintptr_t>(&m);
  for (int tries = 0;; tries++) {
    x ^= ++m.boundaries * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 29;
    out = "=_scriptlet_";
    for (int k = 0; k < 16; k++) out.push_back(kHex[(x >> (k * 4)) & 15]);
    size_t len;
    const char* raw = call->message.raw(&len);
    if (contains(raw ? raw : "", len, out) || contains(m.source.data(), m.source.size(), out) ||
        contains(rendered.data(), rendered.size(), out))
      continue;
    return;
  }
}

int checkMimetype(lua_State* L, int idx, const char** type, size_t* len) {
  // "type/subtype", parameters allowed after a ';' ("text/plain; charset=utf-8").
  *type = luaL_checklstring(L, idx, len);
  const char* semi = static_cast<const char*>(std::memchr(*type, ';', *len));
  size_t typeLen = semi ? static_cast<size_t>(semi - *type) : *len;
  while (typeLen > 0 && (*type)[typeLen - 1] == ' ') typeLen--;
  const char* slash = static_cast<const char*>(std::memchr(*type, '/', typeLen));
  bool ok = slash && slash != *type && slash != *type + typeLen - 1;
  for (size_t i = 0; ok && i < typeLen; i++) ok = (*type)[i] > 32 && (*type)[i] < 127;
  for (size_t i = 0; ok && i < *len; i++) ok = (*type)[i] != '\r' && (*type)[i] != '\n';
  if (!ok) luaL_argerror(L, idx, "mimetype must be 'type/subtype' (parameters may follow a ';')");
  return 0;
}

MimeTree* writableOrRaise(lua_State* L, CallContext* call, const char* what) {
  MimeTree* tree = writableTree(call);
  if (!tree) luaL_error(L, "%s: there is no message in this phase", what);
  return tree;
}

// msg:makePart(mimetype [, body [, encoding]]) -> an unlinked part of the
// writable tree; body is the content before encoding (base64 and
// quoted-printable encode it; 7bit, 8bit and binary keep it).
int msgMakePart(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  const char* type;
  size_t typeLen;
  checkMimetype(L, 2, &type, &typeLen);
  size_t bodyLen = 0;
  const char* body = luaL_optlstring(L, 3, "", &bodyLen);
  int te = checkEncoding(L, 4);
  MimeTree* tree = writableOrRaise(L, call, "msg:makePart");
  {
    int i = tree->makePart();
    tree->setHeader(i, "Content-Type", 12, type, typeLen, MessageView::Mode::Append);
    if (te != kTe7bit) tree->setHeader(i, "Content-Transfer-Encoding", 25, kTeNames[te], std::strlen(kTeNames[te]), MessageView::Mode::Append);
    std::string encoded;
    encodeBody(te, body, bodyLen, encoded);
    tree->setBody(i, encoded.data(), encoded.size());
    pushPart(L, call, i, true);
  }
  return 1;
}

// msg:makeContainer(mimetype [, boundary [, add_terminator]]) -> an unlinked
// multipart part (add_terminator is accepted and ignored: a container is
// always written with its closing delimiter).
int msgMakeContainer(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  const char* type;
  size_t typeLen;
  checkMimetype(L, 2, &type, &typeLen);
  if (typeLen < 10 || strncasecmp(type, "multipart/", 10) != 0) luaL_argerror(L, 2, "a container's mimetype must be multipart/*");
  size_t bLen = 0;
  const char* b = lua_isnoneornil(L, 3) ? nullptr : luaL_checklstring(L, 3, &bLen);
  if (b) checkBoundary(L, 3, b, bLen);
  MimeTree* tree = writableOrRaise(L, call, "msg:makeContainer");
  {
    std::string boundary;
    if (b) boundary.assign(b, bLen);
    else newBoundary(L, call, lua_gettop(L) + 1, boundary);  // no parts to avoid but the message
    std::string value(type, typeLen);
    value.append("; boundary=\"").append(boundary).append("\"");
    int i = tree->makePart();
    tree->setHeader(i, "Content-Type", 12, value.data(), value.size(), MessageView::Mode::Append);
    tree->setContainer(i, boundary);
    pushPart(L, call, i, true);
  }
  return 1;
}

// msg:makeBoundary(...) -> a boundary in neither the message nor the parts passed.
int msgMakeBoundary(lua_State* L) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  for (int i = 2; i <= lua_gettop(L); i++) checkPart(L, i);
  std::string& out = call->mime.work;
  newBoundary(L, call, 2, out);
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// [-0, +0] The part at idx, of the same writable tree as self.
PartArg checkSameTree(lua_State* L, const PartArg& self, int idx) {
  PartArg other = checkPart(L, idx);
  if (other.tree != self.tree) luaL_argerror(L, idx, "part of another MIME tree (use parts of msg:mime(false))");
  return other;
}

int addChild(lua_State* L, bool first, const char* what) {
  PartArg self = checkPart(L, 1);
  checkWritable(L, self, what);
  PartArg child = checkSameTree(L, self, 2);
  // A leaf, the root, or a loop (the child above its new parent) cannot be.
  if (!self.tree->part(self.part).container || child.part == 0 || self.tree->isAncestor(child.part, self.part)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  self.tree->linkChild(self.part, child.part, first);
  commitWritableTree(self.call);
  lua_pushboolean(L, 1);
  return 1;
}

int partAddFirstChild(lua_State* L) { return addChild(L, true, "msgpart:addFirstChild"); }
int partAddLastChild(lua_State* L) { return addChild(L, false, "msgpart:addLastChild"); }

int insertBeside(lua_State* L, bool before, const char* what) {
  PartArg self = checkPart(L, 1);
  checkWritable(L, self, what);
  PartArg sibling = checkSameTree(L, self, 2);
  if (sibling.tree->part(sibling.part).parent < 0) luaL_argerror(L, 2, "part has no parent to insert beside it in");
  if (self.part == 0 || self.tree->isAncestor(self.part, sibling.part)) luaL_argerror(L, 2, "part is inside the part being inserted");
  self.tree->linkBeside(sibling.part, self.part, before);
  commitWritableTree(self.call);
  lua_pushboolean(L, 1);
  return 1;
}

int partInsertBefore(lua_State* L) { return insertBeside(L, true, "msgpart:insertBefore"); }
int partInsertAfter(lua_State* L) { return insertBeside(L, false, "msgpart:insertAfter"); }

int partUnlink(lua_State* L) {
  PartArg self = checkPart(L, 1);
  checkWritable(L, self, "msgpart:unlink");
  if (self.part == 0) return luaL_error(L, "msgpart:unlink: the root part cannot be unlinked");
  bool linked = self.tree->part(self.part).parent >= 0;
  self.tree->unlink(self.part);
  if (linked) commitWritableTree(self.call);
  lua_pushboolean(L, linked);
  return 1;
}

}  // namespace

void checkWritable(lua_State* L, const PartArg& p, const char* what) {
  if (!p.tree->writable()) luaL_error(L, "%s: the MIME tree is read-only (msg:mime(false) gives a writable one)", what);
}

void checkMimeHeaderName(lua_State* L, int idx, const char* name, size_t len) {
  bool ok = len > 0;
  for (size_t i = 0; ok && i < len; i++) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    ok = c >= 33 && c <= 126 && c != ':';
  }
  if (!ok) luaL_argerror(L, idx, "header name must be printable ASCII without ':' or white space");
}

void checkMimeHeaderValue(lua_State* L, int idx, const char* v, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (v[i] != '\r' && v[i] != '\n') continue;
    if (v[i] == '\r' && (i + 1 >= len || v[i + 1] != '\n')) luaL_argerror(L, idx, "header value has a bare CR");
    if (v[i] == '\r') i++;
    size_t k = i + 1;
    bool folded = k < len && (v[k] == ' ' || v[k] == '\t');
    while (k < len && (v[k] == ' ' || v[k] == '\t')) k++;
    if (!folded || k >= len || v[k] == '\r' || v[k] == '\n')
      luaL_argerror(L, idx, "header value has a line break not followed by a folded line");
  }
}

// msgpart:header(name, value [, mode]) sets (replace by default); a nil or
// "" value deletes every field of the name.
int partSetHeader(lua_State* L, const PartArg& pa) {
  PartArg p = pa;
  checkWritable(L, p, "msgpart:header");
  size_t nameLen, valueLen = 0;
  const char* name = luaL_checklstring(L, 2, &nameLen);
  checkMimeHeaderName(L, 2, name, nameLen);
  const char* value = lua_isnil(L, 3) ? "" : luaL_checklstring(L, 3, &valueLen);
  HeaderEdit::Op op;
  MessageView::Mode mode = checkMode(L, 4, &op);
  checkMimeHeaderValue(L, 3, value, valueLen);
  editHeader(p, name, nameLen, value, valueLen, mode, op, valueLen == 0);
  if (p.part != 0) commitWritableTree(p.call);
  lua_pushboolean(L, 1);
  return 1;
}

// msgpart:text(value [, type [, charset]]): the part becomes a leaf of that
// type (default: its own if text/*, else text/plain) holding value (UTF-8)
// converted to charset (default utf-8), 7bit when it can go as it is,
// quoted-printable otherwise. msg:text(value, ...) does it on the root.
int partSetText(lua_State* L, const PartArg& pa, int valueIdx) {
  PartArg p = pa;
  checkWritable(L, p, p.part == 0 ? "msg:text" : "msgpart:text");
  size_t len;
  const char* value = luaL_checklstring(L, valueIdx, &len);
  size_t typeLen = 0, csLen = 0;
  const char* type = nullptr;
  if (!lua_isnoneornil(L, valueIdx + 1)) checkMimetype(L, valueIdx + 1, &type, &typeLen);
  const char* charset = luaL_optlstring(L, valueIdx + 2, "utf-8", &csLen);
  const char* error = nullptr;
  {
    std::string converted, encoded, header;
    if (utf8ToCharset(charset, csLen, value, len, converted, &error)) {
      bool plain = fits7bit(converted);
      encodeBody(plain ? kTe7bit : kTeQuotedPrintable, converted.data(), converted.size(), encoded);
      if (type) {
        const char* semi = static_cast<const char*>(std::memchr(type, ';', typeLen));
        header.assign(type, semi ? static_cast<size_t>(semi - type) : typeLen);  // its charset is ours
      } else {
        HeaderParams ct;
        p.tree->contentType(p.part, ct);
        header = ct.value.compare(0, 5, "text/") == 0 ? ct.value : "text/plain";
      }
      header.append("; charset=\"").append(charset, csLen).append("\"");
      setHeaderString(p, "Content-Type", header);
      setHeaderString(p, "Content-Transfer-Encoding", plain ? "7bit" : "quoted-printable");
      p.tree->setBody(p.part, encoded.data(), encoded.size());
      commitWritableTree(p.call);
    }
  }
  if (error) return luaL_error(L, "%s: %s (charset '%s')", p.part == 0 ? "msg:text" : "msgpart:text", error, charset);
  return 0;
}

const luaL_Reg kPartEditMethods[] = {
    {"addFirstChild", partAddFirstChild},
    {"addLastChild", partAddLastChild},
    {"insertBefore", partInsertBefore},
    {"insertAfter", partInsertAfter},
    {"unlink", partUnlink},
    {nullptr, nullptr},
};

const luaL_Reg kMessageEditMethods[] = {
    {"makePart", msgMakePart},
    {"makeContainer", msgMakeContainer},
    {"makeBoundary", msgMakeBoundary},
    {nullptr, nullptr},
};

void installMimeConstants(lua_State* L) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_getfield(L, -1, "msys.core");
  if (lua_istable(L, -1)) {
    static const char* const kNames[] = {nullptr, "EC_MIME_TE_7BIT", "EC_MIME_TE_8BIT", "EC_MIME_TE_BINARY",
                                         "EC_MIME_TE_QUOTED_PRINTABLE", "EC_MIME_TE_BASE64"};
    for (int i = kTe7bit; i <= kTeBase64; i++) {
      lua_pushinteger(L, i);
      lua_setfield(L, -2, kNames[i]);
    }
  }
  lua_pop(L, 3);
}

}  // namespace scriptlet
