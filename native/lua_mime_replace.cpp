// PCRE2 replacement inside MIME parts: msg:text_replace, and
// msgpart:text_replace, body_replace and raw_replace on a writable tree.
// The subjects are the reading methods' (msgpart:text(), body(), raw()), the
// replacing is msg:body_replace's (lua_pcre.hpp), and the result goes back
// through the writable tree, rendered into the message as every MIME edit is
// (commitWritableTree): parts nobody touched stay byte for byte.
//
// Text goes back into each part's own charset and transfer encoding; a 7bit
// part that no longer fits 7bit becomes quoted-printable, and a part whose
// charset lacks a character of the new text becomes utf-8 (Content-Type
// relabelled) rather than losing the character.
#include <cstring>
#include <string>

#include "lua_mime.hpp"
#include "lua_pcre.hpp"
#include "mime/mime_codecs.hpp"
#include "mime/mime_text.hpp"

namespace scriptlet {

namespace {

// Text that may go as it is: ASCII, no NUL, no bare CR, lines of 998 or fewer.
bool fits7bit(const char* s, size_t n) {
  size_t line = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || c == 0 || (c == '\r' && (i + 1 >= n || s[i + 1] != '\n'))) return false;
    line = c == '\n' ? 0 : line + 1;
    if (line > 998) return false;
  }
  return true;
}

bool isAscii(const char* s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  return true;
}

bool isUtf8Name(const std::string& cs) { return strcasecmp(cs.c_str(), "utf-8") == 0 || strcasecmp(cs.c_str(), "utf8") == 0; }

// UTF-8 text in charset, only when it reads back the same (the charset is
// known and has every character of it).
bool inCharset(const std::string& charset, const char* text, size_t n, std::string& out) {
  const char* error = nullptr;
  if (!utf8ToCharset(charset.data(), charset.size(), text, n, out, &error)) return false;
  std::string back;
  charsetToUtf8(charset.data(), charset.size(), out.data(), out.size(), back);
  return back.size() == n && std::memcmp(back.data(), text, n) == 0;
}

bool isTextLeaf(MimeTree& tree, int i) {
  if (tree.part(i).container) return false;
  HeaderParams ct;
  tree.contentType(i, ct);
  return ct.value.compare(0, 5, "text/") == 0;
}

// r = part i's new content: text (UTF-8, as the part's text() gave it,
// replaced) back in the part's charset and transfer encoding. False when a
// part that is text is given bytes that are not UTF-8.
bool reencode(MimeTree& tree, int i, const char* text, size_t n, ReplacedText& r) {
  r.part = i;
  r.toUtf8 = r.addQp = false;
  r.body.clear();
  HeaderParams ct;
  tree.contentType(i, ct);
  std::string charset, te, converted;
  bool labelled = ct.get("charset", charset);
  const char* b = text;
  size_t len = n;
  if (labelled || ct.value.compare(0, 5, "text/") == 0) {
    if (!isValidUtf8(text, n)) return false;
    bool utf8 = labelled && isUtf8Name(charset);
    if (labelled && !utf8 && inCharset(charset, text, n, converted)) {
      b = converted.data();
      len = converted.size();
    } else if (!utf8 && !isAscii(text, n)) {
      r.toUtf8 = true;  // no label, an unknown one, or one lacking a character
    }
  }  // else: a part that is not text and names no charset: its bytes
  tree.transferEncoding(i, te);
  if (te == "base64") {
    base64Encode(b, len, r.body, 76);
  } else if (te == "quoted-printable") {
    qpEncode(b, len, r.body);
  } else if (te == "7bit" && !fits7bit(b, len)) {
    qpEncode(b, len, r.body);
    r.addQp = true;
  } else {
    r.body.append(b, len);  // 8bit, binary, unknown encodings: as they are
  }
  return true;
}

// A header of part i set (replace mode): the root's through the message view
// and the verdict's header edits, as msg:header does; the others in the tree.
void setPartHeader(CallContext* call, MimeTree& tree, int i, const char* name, const std::string& value) {
  size_t nameLen = std::strlen(name);
  if (i != 0) {
    tree.setHeader(i, name, nameLen, value.data(), value.size(), MessageView::Mode::Replace);
    return;
  }
  call->message.setHeader(name, nameLen, value.data(), value.size(), MessageView::Mode::Replace);
  HeaderEdit edit;
  edit.op = HeaderEdit::Op::Replace;
  edit.name = name;
  edit.value = value;
  call->verdict.headerEdits.push_back(std::move(edit));
}

// Where the charset parameter's value is in a Content-Type value.
bool findCharset(const std::string& v, size_t* at, size_t* end) {
  for (size_t semi = v.find(';'); semi != std::string::npos; semi = v.find(';', semi + 1)) {
    size_t k = semi + 1;
    while (k < v.size() && (v[k] == ' ' || v[k] == '\t')) k++;
    if (strncasecmp(v.c_str() + k, "charset", 7) != 0) continue;
    k += 7;
    while (k < v.size() && (v[k] == ' ' || v[k] == '\t')) k++;
    if (k >= v.size() || v[k] != '=') continue;
    k++;
    while (k < v.size() && (v[k] == ' ' || v[k] == '\t')) k++;
    *at = k;
    if (k < v.size() && v[k] == '"') {
      for (k++; k < v.size() && v[k] != '"'; k++)
        if (v[k] == '\\') k++;
      *end = k < v.size() ? k + 1 : v.size();
    } else {
      while (k < v.size() && v[k] != ';' && v[k] != ' ' && v[k] != '\t') k++;
      *end = k;
    }
    return true;
  }
  return false;
}

bool hasHeader(MimeTree& tree, int i, const char* name) {
  bool found = false;
  tree.forEachValue(i, name, std::strlen(name), [&](const char*, size_t) { found = true; });
  return found;
}

// The part's Content-Type says charset="utf-8", its other parameters kept.
void relabelUtf8(CallContext* call, MimeTree& tree, int i) {
  std::string value;
  bool found = false;
  tree.forEachValue(i, "Content-Type", 12, [&](const char* v, size_t n) {
    if (!found) value.assign(v, n);
    found = true;
  });
  if (value.empty()) value = "text/plain";
  size_t at, end;
  if (findCharset(value, &at, &end)) value.replace(at, end - at, "\"utf-8\"");
  else value.append("; charset=\"utf-8\"");
  setPartHeader(call, tree, i, "Content-Type", value);
}

void apply(CallContext* call, MimeTree& tree, const ReplacedText& r) {
  // A message that gains MIME headers says it is MIME.
  if (r.part == 0 && (r.addQp || r.toUtf8) && !hasHeader(tree, 0, "MIME-Version"))
    setPartHeader(call, tree, 0, "MIME-Version", "1.0");
  tree.setBody(r.part, r.body.data(), r.body.size());
  if (r.addQp) setPartHeader(call, tree, r.part, "Content-Transfer-Encoding", "quoted-printable");
  if (r.toUtf8) relabelUtf8(call, tree, r.part);
}

ReplacedText& nextReplaced(MimeCallState& m) {
  if (m.replacedUsed == m.replaced.size()) m.replaced.emplace_back();
  return m.replaced[m.replacedUsed++];
}

// [-0, +0|3] Checks the pattern and replacement before any part is looked
// at, so that a bad one is reported even when there is nothing to search:
// 3 (nil, errstr, errnum pushed), else 0.
int checkArguments(lua_State* L, const char* fname) {
  const char* out;
  size_t outLen;
  return pcreReplace(L, "", 0, 2, 3, fname, &out, &outLen) < 0 ? 3 : 0;
}

// [-0, +0] The part at 1, of a writable tree (raises otherwise).
PartArg writablePart(lua_State* L, const char* fname) {
  PartArg p = checkPart(L, 1);
  checkWritable(L, p, fname);
  return p;
}

int pushCount(lua_State* L, int n) {
  if (n == 0) lua_pushboolean(L, 0);
  else lua_pushinteger(L, n);
  return 1;
}

// msg:text_replace(pattern, replacement) -> replacements made, or false:
// in the text of every text/* leaf (msg:text()'s parts), all or none.
int msgTextReplace(lua_State* L) {
  static const char* const fname = "msg:text_replace";
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  if (int bad = checkArguments(L, fname)) return bad;
  MimeTree* tree = writableTree(call);
  if (!tree) return luaL_error(L, "%s: there is no message in this phase", fname);
  MimeCallState& m = call->mime;
  m.replacedUsed = 0;
  int total = 0;
  bool notUtf8 = false;
  for (int i = 0; i >= 0 && !notUtf8; i = tree->thread(i)) {
    if (!isTextLeaf(*tree, i)) continue;
    std::string& subject = m.text;
    subject.clear();
    if (!mimePartText(*tree, i, subject)) continue;
    const char* out;
    size_t outLen;
    int n = pcreReplace(L, subject.data(), subject.size(), 2, 3, fname, &out, &outLen);
    if (n < 0) return -n;  // nothing changed yet
    if (n == 0) continue;
    notUtf8 = !reencode(*tree, i, out, outLen, nextReplaced(m));
    total += n;
  }
  if (notUtf8) return luaL_error(L, "%s: the replaced text is not valid UTF-8", fname);
  for (size_t k = 0; k < m.replacedUsed; k++) apply(call, *tree, m.replaced[k]);
  if (total > 0) commitWritableTree(call);
  return pushCount(L, total);
}

// msgpart:text_replace(pattern, replacement): in the part's text (false
// for a part without one, as text_match).
int partTextReplace(lua_State* L) {
  static const char* const fname = "msgpart:text_replace";
  PartArg p = writablePart(L, fname);
  if (int bad = checkArguments(L, fname)) return bad;
  MimeCallState& m = p.call->mime;
  std::string& subject = m.text;
  subject.clear();
  if (!mimePartText(*p.tree, p.part, subject)) return pushCount(L, 0);
  const char* out;
  size_t outLen;
  int n = pcreReplace(L, subject.data(), subject.size(), 2, 3, fname, &out, &outLen);
  if (n <= 0) return n < 0 ? -n : pushCount(L, 0);
  m.replacedUsed = 0;
  ReplacedText& r = nextReplaced(m);
  if (!reencode(*p.tree, p.part, out, outLen, r)) return luaL_error(L, "%s: the replaced text is not valid UTF-8", fname);
  apply(p.call, *p.tree, r);
  commitWritableTree(p.call);
  return pushCount(L, n);
}

// msgpart:body_replace(pattern, replacement): in the body as written (still
// transfer-encoded). A container's body is its parts with their delimiters:
// replaced, it is kept as that part's body, a leaf now in the writable tree.
int partBodyReplace(lua_State* L) {
  static const char* const fname = "msgpart:body_replace";
  PartArg p = writablePart(L, fname);
  if (int bad = checkArguments(L, fname)) return bad;
  std::string& subject = p.call->mime.work;
  subject.clear();
  p.tree->renderPartBodyTo(p.part, subject);
  const char* out;
  size_t outLen;
  int n = pcreReplace(L, subject.data(), subject.size(), 2, 3, fname, &out, &outLen);
  if (n <= 0) return n < 0 ? -n : pushCount(L, 0);
  p.tree->setBody(p.part, out, outLen);
  commitWritableTree(p.call);
  return pushCount(L, n);
}

// Where a part's header ends: *bodyAt after its blank line (n when it has none).
size_t headerEnd(const char* s, size_t n, size_t* bodyAt) {
  for (size_t line = 0; line < n;) {
    const char* nl = static_cast<const char*>(std::memchr(s + line, '\n', n - line));
    size_t next = nl ? static_cast<size_t>(nl - s) + 1 : n;
    size_t content = next - line - (nl ? 1 : 0);
    if (content > 0 && s[line + content - 1] == '\r') content--;
    if (content == 0 && nl) {
      *bodyAt = next;
      return line;
    }
    line = next;
  }
  *bodyAt = n;
  return n;
}

// Every line of the header is a field ("name:") or a fold of one.
bool fieldsOnly(const char* s, size_t n) {
  for (size_t line = 0; line < n;) {
    const char* nl = static_cast<const char*>(std::memchr(s + line, '\n', n - line));
    size_t next = nl ? static_cast<size_t>(nl - s) + 1 : n;
    bool fold = s[line] == ' ' || s[line] == '\t';
    const char* colon = static_cast<const char*>(std::memchr(s + line, ':', next - line));
    if (fold ? line == 0 : (!colon || colon == s + line)) return false;
    line = next;
  }
  return true;
}

// Part i's fields become those of the header text s (checked by fieldsOnly),
// folds kept as written.
void setFields(MimeTree& tree, int i, const char* s, size_t n) {
  tree.clearHeaders(i);
  size_t line = 0;
  while (line < n) {
    const char* colon = static_cast<const char*>(std::memchr(s + line, ':', n - line));
    size_t end = line;  // the field ends before the next line that is not a fold
    do {
      const char* nl = static_cast<const char*>(std::memchr(s + end, '\n', n - end));
      end = nl ? static_cast<size_t>(nl - s) + 1 : n;
    } while (end < n && (s[end] == ' ' || s[end] == '\t'));
    size_t v = static_cast<size_t>(colon - s) + 1, valueEnd = end;
    if (v < valueEnd && s[v] == ' ') v++;
    if (valueEnd > v && s[valueEnd - 1] == '\n') valueEnd--;
    if (valueEnd > v && s[valueEnd - 1] == '\r') valueEnd--;
    tree.setHeader(i, s + line, static_cast<size_t>(colon - s) - line, s + v, valueEnd - v, MessageView::Mode::Append);
    line = end;
  }
}

// msgpart:raw_replace(pattern, replacement): in the part with its header
// (the root: the whole message). The new header must still be fields.
int partRawReplace(lua_State* L) {
  static const char* const fname = "msgpart:raw_replace";
  PartArg p = writablePart(L, fname);
  if (int bad = checkArguments(L, fname)) return bad;
  MessageView& view = p.call->message;
  std::string& subject = p.call->mime.work;
  subject.clear();
  if (p.part != 0) {
    p.tree->renderPartTo(p.part, subject);
  } else if (view.edited()) {
    subject = view.render();
  } else {
    size_t len;
    const char* raw = view.raw(&len);
    subject.assign(raw ? raw : "", len);
  }
  const char* out;
  size_t outLen;
  int n = pcreReplace(L, subject.data(), subject.size(), 2, 3, fname, &out, &outLen);
  if (n <= 0) return n < 0 ? -n : pushCount(L, 0);
  size_t bodyAt, headerLen = headerEnd(out, outLen, &bodyAt);
  if (p.part != 0) {
    if (!fieldsOnly(out, headerLen)) return luaL_error(L, "%s: the part's header would have a line that is not a field", fname);
    setFields(*p.tree, p.part, out, headerLen);
    p.tree->setBody(p.part, out + bodyAt, outLen - bodyAt);
  } else {
    // The message's header is the view's: it reads the new message, and the
    // tree takes the new body (the verdict's buffer holds the bytes until
    // commitWritableTree renders them anew).
    std::string& held = p.call->verdict.replacedMessage;
    held.assign(out, outLen);
    view.reset(held.data(), held.size());
    size_t bodyLen;
    const char* body = view.body(&bodyLen);
    p.tree->setBody(0, body, bodyLen);
  }
  commitWritableTree(p.call);
  return pushCount(L, n);
}

}  // namespace

const luaL_Reg kPartReplaceMethods[] = {
    {"body_replace", partBodyReplace},
    {"raw_replace", partRawReplace},
    {"text_replace", partTextReplace},
    {nullptr, nullptr},
};

const luaL_Reg kMessageTextReplaceMethods[] = {
    {"text_replace", msgTextReplace},
    {nullptr, nullptr},
};

}  // namespace scriptlet
