// The MIME tree of one message, parsed on demand over the message's bytes
// (borrowed, never copied for a read-only tree): parts are offsets into the
// bytes, their header fields too, and every vector keeps its capacity from
// call to call. The root part's header is the message's own, read and
// edited through the MessageView, so msg:header and the root agree.
// A writable tree also holds what a script changed or made (OwnedPart) and
// renders the message body anew from the tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../message_view.hpp"
#include "mime_params.hpp"

namespace scriptlet {

struct MimeLimits {
  // Deeper parts are leaves (their body is not split); a container whose
  // parts pass kMaxParts keeps the rest, unsplit, in its last part.
  static constexpr int kMaxDepth = 32;
  static constexpr size_t kMaxParts = 1000;
};

struct MimePart {
  // In the source: header [start, bodyStart), body [bodyStart, bodyEnd).
  size_t start = 0, bodyStart = 0, bodyEnd = 0;
  // Containers: the preamble is [bodyStart, preambleEnd); the epilogue,
  // after the closing delimiter, [epilogueStart, bodyEnd).
  size_t preambleEnd = 0, epilogueStart = 0;
  uint32_t fieldBegin = 0, fieldEnd = 0;  // its header fields (not the root's)
  uint32_t boundaryOff = 0, boundaryLen = 0;  // in boundaries_
  int parent = -1, firstChild = -1, lastChild = -1, next = -1, prev = -1;
  int depth = 0;
  int owned = -1;           // its OwnedPart, once edited or made by a script
  bool container = false;   // multipart with a boundary, not too deep
  bool fromSource = true;   // false: made by msg:makePart / makeContainer
  bool blankLine = true;    // the header ended with a blank line
  bool dirty = false;       // it or a part under it changed: rendered anew
};

struct OwnedPart {
  bool hasHeaders = false;
  std::vector<std::pair<std::string, std::string>> headers;
  bool hasBody = false;
  std::string body;
  std::string boundary;  // containers made by a script, or edited
};

class MimeTree {
 public:
  // Parses the body of the message view's bytes (root header: the view's).
  void parse(MessageView* view, const char* src, size_t len, size_t bodyStart, bool writable);
  void clear();
  bool writable() const { return writable_; }
  size_t size() const { return parts_.size(); }
  const MimePart& part(int i) const { return parts_[i]; }
  const char* source() const { return src_; }
  const char* eol() const { return crlf_ ? "\r\n" : "\n"; }

  // Visits the unfolded, trimmed raw values of the part's fields named name.
  template <typename Fn>
  void forEachValue(int i, const char* name, size_t nameLen, Fn&& fn);
  // The part's Content-Type (RFC 2045 defaults when absent or broken).
  void contentType(int i, HeaderParams& out);
  // The part's Content-Transfer-Encoding, lower-cased ("7bit" by default).
  void transferEncoding(int i, std::string& out);
  // The raw (still transfer-encoded) body of a leaf.
  void rawBody(int i, const char** p, size_t* n) const;
  std::string boundary(int i) const;
  int thread(int i) const;  // next part of a depth-first walk, or -1

  // Edits (writable trees only; root headers go through the MessageView).
  int makePart();  // unlinked, empty: no header, no body
  void setHeader(int i, const char* name, size_t nameLen, const char* value, size_t valueLen, MessageView::Mode mode);
  void deleteHeader(int i, const char* name, size_t nameLen);
  void clearHeaders(int i);  // every field gone (not the root's: the view's)
  void setBody(int i, const char* body, size_t len);  // a leaf now (children unlinked)
  void setContainer(int i, const std::string& boundary);
  void unlink(int i);
  bool isAncestor(int maybeAncestor, int i) const;
  // Links child under parent (first or last), or beside sibling (before or after).
  void linkChild(int parent, int child, bool first);
  void linkBeside(int sibling, int part, bool before);
  // The message body as the tree now stands; a part (header and body), or
  // only its body, likewise.
  void renderBody(std::string& out) { renderPartBody(0, out); }
  void renderPartTo(int i, std::string& out) { renderPart(i, out); }
  void renderPartBodyTo(int i, std::string& out) { renderPartBody(i, out); }

 private:
  void parseContainer(int i, const std::string& boundary);
  int addChild(int parent, size_t start, size_t end);
  void parseHeader(int i);
  void markDirty(int i);
  OwnedPart& own(int i);
  void ownHeaders(int i);
  void renderPart(int i, std::string& out);
  void renderPartBody(int i, std::string& out);
  void unfolded(const char* v, size_t n, const char** out, size_t* outLen);

  MessageView* view_ = nullptr;
  const char* src_ = nullptr;
  size_t len_ = 0;
  bool crlf_ = true;
  bool writable_ = false;
  std::vector<MimePart> parts_;
  struct Field {
    uint32_t nameOff, nameLen, valueOff, valueEnd;  // value: after ':' to the end of its last line
  };
  std::vector<Field> fields_;
  std::string boundaries_;
  std::vector<OwnedPart> owned_;
  size_t ownedUsed_ = 0;
  std::string scratch_;
  HeaderParams params_;
};

bool asciiCaseEqual(const char* a, const char* b, size_t n);

template <typename Fn>
void MimeTree::forEachValue(int i, const char* name, size_t nameLen, Fn&& fn) {
  if (i == 0) {
    view_->forEachValue(name, nameLen, fn);
    return;
  }
  const MimePart& p = parts_[i];
  if (p.owned >= 0 && owned_[p.owned].hasHeaders) {
    for (auto& h : owned_[p.owned].headers) {
      if (h.first.size() != nameLen || !asciiCaseEqual(h.first.data(), name, nameLen)) continue;
      const char* v;
      size_t n;
      unfolded(h.second.data(), h.second.size(), &v, &n);
      fn(v, n);
    }
    return;
  }
  for (uint32_t f = p.fieldBegin; f < p.fieldEnd; f++) {
    const Field& fd = fields_[f];
    if (fd.nameLen != nameLen || !asciiCaseEqual(src_ + fd.nameOff, name, nameLen)) continue;
    const char* v;
    size_t n;
    unfolded(src_ + fd.valueOff, fd.valueEnd - fd.valueOff, &v, &n);
    fn(v, n);
  }
}

}  // namespace scriptlet
