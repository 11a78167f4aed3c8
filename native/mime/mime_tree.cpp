#include "mime_tree.hpp"

#include <cstring>

namespace scriptlet {

namespace {

constexpr size_t kMaxIndexed = 0xffffffffu;  // 32-bit offsets, as MessageView's

bool isWsp(char c) { return c == ' ' || c == '\t'; }

size_t findLf(const char* d, size_t pos, size_t end) {
  const void* p = pos < end ? std::memchr(d + pos, '\n', end - pos) : nullptr;
  return p ? static_cast<size_t>(static_cast<const char*>(p) - d) : end;
}

size_t contentEnd(const char* d, size_t lineStart, size_t lf, size_t end) {
  return (lf < end && lf > lineStart && d[lf - 1] == '\r') ? lf - 1 : lf;
}

bool startsWithCi(const std::string& s, const char* prefix) {
  size_t n = std::strlen(prefix);
  return s.size() >= n && asciiCaseEqual(s.data(), prefix, n);
}

}  // namespace

bool asciiCaseEqual(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (asciiLower(static_cast<unsigned char>(a[i])) != asciiLower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

void MimeTree::clear() {
  view_ = nullptr;
  src_ = nullptr;
  len_ = 0;
  parts_.clear();
  fields_.clear();
  boundaries_.clear();
  ownedUsed_ = 0;
  writable_ = false;
}

void MimeTree::parse(MessageView* view, const char* src, size_t len, size_t bodyStart, bool writable) {
  clear();
  view_ = view;
  src_ = src ? src : "";
  len_ = len;
  writable_ = writable;
  size_t firstLf = findLf(src_, 0, len_);
  crlf_ = firstLf < len_ ? (firstLf > 0 && src_[firstLf - 1] == '\r') : true;
  MimePart& root = parts_.emplace_back();
  root.start = 0;
  root.bodyStart = bodyStart;
  root.bodyEnd = len_;
  if (len_ > kMaxIndexed) return;  // a leaf: offsets would not fit
  contentType(0, params_);
  std::string boundary;
  if (startsWithCi(params_.value, "multipart/") && params_.get("boundary", boundary) && !boundary.empty())
    parseContainer(0, boundary);
}

void MimeTree::parseHeader(int i) {
  MimePart& p = parts_[i];
  p.fieldBegin = p.fieldEnd = static_cast<uint32_t>(fields_.size());
  size_t pos = p.start, end = p.bodyEnd;
  bool inField = false;
  p.blankLine = false;
  while (pos < end) {
    size_t lf = findLf(src_, pos, end);
    size_t ce = contentEnd(src_, pos, lf, end);
    size_t next = lf < end ? lf + 1 : end;
    if (ce == pos) {
      parts_[i].bodyStart = next;
      parts_[i].blankLine = true;
      parts_[i].fieldEnd = static_cast<uint32_t>(fields_.size());
      return;
    }
    if (isWsp(src_[pos])) {
      if (inField) fields_.back().valueEnd = static_cast<uint32_t>(ce);
    } else {
      inField = false;
      const void* colon = std::memchr(src_ + pos, ':', ce - pos);
      if (colon) {
        size_t c = static_cast<const char*>(colon) - src_;
        size_t nameEnd = c;
        while (nameEnd > pos && isWsp(src_[nameEnd - 1])) nameEnd--;
        if (nameEnd > pos) {
          fields_.push_back(Field{static_cast<uint32_t>(pos), static_cast<uint32_t>(nameEnd - pos),
                                  static_cast<uint32_t>(c + 1), static_cast<uint32_t>(ce)});
          inField = true;
        }
      }
    }
    pos = next;
  }
  // No blank line: all of it is header, as MessageView reads a message.
  parts_[i].bodyStart = end;
  parts_[i].fieldEnd = static_cast<uint32_t>(fields_.size());
}

int MimeTree::addChild(int parent, size_t start, size_t end) {
  int i = static_cast<int>(parts_.size());
  MimePart& c = parts_.emplace_back();
  c.start = start;
  c.bodyEnd = end < start ? start : end;
  c.parent = parent;
  c.depth = parts_[parent].depth + 1;
  MimePart& p = parts_[parent];
  c.prev = p.lastChild;
  if (p.lastChild >= 0) parts_[p.lastChild].next = i;
  else p.firstChild = i;
  p.lastChild = i;
  parseHeader(i);
  return i;
}

// Splits a multipart body at its delimiter lines ("--boundary", closing
// "--boundary--", transport padding allowed after either; RFC 2046 5.1.1).
// The line break before a delimiter belongs to it. Lenient: no delimiter at
// all leaves a container without parts; a missing closing delimiter ends
// the last part at the end of the body.
void MimeTree::parseContainer(int i, const std::string& boundary) {
  MimePart& self = parts_[i];
  self.container = true;
  self.boundaryOff = static_cast<uint32_t>(boundaries_.size());
  self.boundaryLen = static_cast<uint32_t>(boundary.size());
  boundaries_.append(boundary);
  size_t bodyStart = self.bodyStart, end = self.bodyEnd;
  self.preambleEnd = self.epilogueStart = end;
  const char* b = boundary.data();
  size_t bl = boundary.size();
  size_t pos = bodyStart;
  size_t childStart = std::string::npos;
  bool seenDelimiter = false, full = false;
  std::vector<int> children;  // parsed after the split, each over its own range
  while (pos < end) {
    size_t lf = findLf(src_, pos, end);
    size_t ce = contentEnd(src_, pos, lf, end);
    size_t next = lf < end ? lf + 1 : end;
    bool delimiter = ce - pos >= 2 + bl && src_[pos] == '-' && src_[pos + 1] == '-' && std::memcmp(src_ + pos + 2, b, bl) == 0;
    bool closing = false;
    if (delimiter) {
      size_t k = pos + 2 + bl;
      closing = ce - k >= 2 && src_[k] == '-' && src_[k + 1] == '-';
      if (closing) k += 2;
      while (k < ce && isWsp(src_[k])) k++;
      delimiter = k == ce;
    }
    if (!delimiter) {
      pos = next;
      continue;
    }
    size_t breakStart = pos;
    if (breakStart > bodyStart && src_[breakStart - 1] == '\n') {
      breakStart--;
      if (breakStart > bodyStart && src_[breakStart - 1] == '\r') breakStart--;
    }
    if (!seenDelimiter) parts_[i].preambleEnd = breakStart;
    seenDelimiter = true;
    if (childStart != std::string::npos && !full) {
      if (parts_.size() >= MimeLimits::kMaxParts) {
        full = true;  // this part and the rest stay in the last part kept
      } else {
        children.push_back(addChild(i, childStart, breakStart));
      }
    }
    if (full && !children.empty()) parts_[children.back()].bodyEnd = breakStart;
    if (closing) {
      parts_[i].epilogueStart = ce;
      childStart = std::string::npos;
      break;
    }
    childStart = next;
    pos = next;
  }
  if (childStart != std::string::npos) {
    if (!full && parts_.size() < MimeLimits::kMaxParts) children.push_back(addChild(i, childStart, end));
    else if (!children.empty()) parts_[children.back()].bodyEnd = end;
  }
  if (full && children.empty()) parts_[i].preambleEnd = parts_[i].epilogueStart = end;
  for (int c : children) {
    // The last part kept at the limit may have grown: its header did not.
    if (parts_[c].bodyStart > parts_[c].bodyEnd) parts_[c].bodyStart = parts_[c].bodyEnd;
    if (parts_[c].depth >= MimeLimits::kMaxDepth || parts_.size() >= MimeLimits::kMaxParts) continue;
    contentType(c, params_);
    std::string inner;
    if (startsWithCi(params_.value, "multipart/") && params_.get("boundary", inner) && !inner.empty())
      parseContainer(c, inner);
  }
}

void MimeTree::unfolded(const char* v, size_t n, const char** out, size_t* outLen) {
  size_t i = 0;
  while (i < n && (isWsp(v[i]) || v[i] == '\r' || v[i] == '\n')) i++;
  while (n > i && (isWsp(v[n - 1]) || v[n - 1] == '\r' || v[n - 1] == '\n')) n--;
  if (!std::memchr(v + i, '\n', n - i)) {
    *out = v + i;
    *outLen = n - i;
    return;
  }
  scratch_.clear();
  for (; i < n; i++)
    if (v[i] != '\r' && v[i] != '\n') scratch_.push_back(v[i]);
  *out = scratch_.data();
  *outLen = scratch_.size();
}

void MimeTree::contentType(int i, HeaderParams& out) {
  bool found = false;
  forEachValue(i, "Content-Type", 12, [&](const char* v, size_t n) {
    if (!found) out.parse(v, n);
    found = true;
  });
  // RFC 2045 5.2: absent or unreadable is text/plain; us-ascii (RFC 2046
  // 5.1.5: message/rfc822 inside multipart/digest).
  if (found && out.value.find('/') != std::string::npos && out.value.front() != '/' && out.value.back() != '/') return;
  int parent = parts_[i].parent;
  bool digest = false;
  if (parent >= 0) {
    HeaderParams pp;
    contentType(parent, pp);
    digest = pp.value == "multipart/digest";
  }
  out.value = digest ? "message/rfc822" : "text/plain";
  if (!found) out.params.clear();
}

void MimeTree::transferEncoding(int i, std::string& out) {
  out.clear();
  forEachValue(i, "Content-Transfer-Encoding", 25, [&](const char* v, size_t n) {
    if (!out.empty()) return;
    for (size_t k = 0; k < n; k++) {
      char c = v[k];
      if (c == ' ' || c == '\t' || c == ';' || c == '(') break;
      out.push_back(static_cast<char>(asciiLower(static_cast<unsigned char>(c))));
    }
  });
  if (out.empty()) out = "7bit";
}

void MimeTree::rawBody(int i, const char** p, size_t* n) const {
  const MimePart& part = parts_[i];
  if (part.owned >= 0 && owned_[part.owned].hasBody) {
    *p = owned_[part.owned].body.data();
    *n = owned_[part.owned].body.size();
  } else if (part.fromSource) {
    *p = src_ + part.bodyStart;
    *n = part.bodyEnd - part.bodyStart;
  } else {
    *p = "";
    *n = 0;
  }
}

std::string MimeTree::boundary(int i) const {
  const MimePart& p = parts_[i];
  if (p.owned >= 0 && !owned_[p.owned].boundary.empty()) return owned_[p.owned].boundary;
  return boundaries_.substr(p.boundaryOff, p.boundaryLen);
}

int MimeTree::thread(int i) const {
  if (parts_[i].firstChild >= 0) return parts_[i].firstChild;
  for (int p = i; p >= 0; p = parts_[p].parent)
    if (parts_[p].next >= 0) return parts_[p].next;
  return -1;
}

}  // namespace scriptlet
