// The writable side of MimeTree: parts a script makes, edits, links and
// unlinks, and the body rendered anew from the tree. A part nobody touched
// is written back byte for byte from the source.
#include <cstring>

#include "mime_tree.hpp"

namespace scriptlet {

OwnedPart& MimeTree::own(int i) {
  MimePart& p = parts_[i];
  if (p.owned < 0) {
    if (ownedUsed_ == owned_.size()) owned_.emplace_back();
    OwnedPart& o = owned_[ownedUsed_];
    o.hasHeaders = o.hasBody = false;
    o.headers.clear();
    o.body.clear();
    o.boundary.clear();
    p.owned = static_cast<int>(ownedUsed_++);
    if (p.container && p.fromSource) o.boundary = boundaries_.substr(p.boundaryOff, p.boundaryLen);
  }
  return owned_[p.owned];
}

void MimeTree::markDirty(int i) {
  for (int p = i; p >= 0 && !parts_[p].dirty; p = parts_[p].parent) parts_[p].dirty = true;
}

// A part's source fields become owned ones, folding kept, so that editing
// one field leaves the others as they were written.
void MimeTree::ownHeaders(int i) {
  OwnedPart& o = own(i);
  if (o.hasHeaders) return;
  o.hasHeaders = true;
  const MimePart& p = parts_[i];
  if (!p.fromSource) return;
  for (uint32_t f = p.fieldBegin; f < p.fieldEnd; f++) {
    const Field& fd = fields_[f];
    size_t v = fd.valueOff;
    if (v < fd.valueEnd && src_[v] == ' ') v++;
    o.headers.emplace_back(std::string(src_ + fd.nameOff, fd.nameLen), std::string(src_ + v, fd.valueEnd - v));
  }
}

int MimeTree::makePart() {
  int i = static_cast<int>(parts_.size());
  MimePart& p = parts_.emplace_back();
  p.fromSource = false;
  p.dirty = true;
  own(i).hasHeaders = true;
  return i;
}

void MimeTree::setHeader(int i, const char* name, size_t nameLen, const char* value, size_t valueLen,
                         MessageView::Mode mode) {
  ownHeaders(i);
  auto& h = owned_[parts_[i].owned].headers;
  std::pair<std::string, std::string> field(std::string(name, nameLen), std::string(value, valueLen));
  if (mode == MessageView::Mode::Prepend) {
    h.insert(h.begin(), std::move(field));
  } else if (mode == MessageView::Mode::Append) {
    h.push_back(std::move(field));
  } else {
    size_t at = h.size();
    for (size_t k = 0; k < h.size(); k++)
      if (h[k].first.size() == nameLen && asciiCaseEqual(h[k].first.data(), name, nameLen)) { at = k; break; }
    if (at == h.size()) {
      h.push_back(std::move(field));
    } else {
      deleteHeader(i, name, nameLen);
      h.insert(h.begin() + static_cast<std::ptrdiff_t>(at), std::move(field));
    }
  }
  markDirty(i);
}

void MimeTree::deleteHeader(int i, const char* name, size_t nameLen) {
  ownHeaders(i);
  auto& h = owned_[parts_[i].owned].headers;
  size_t kept = 0;
  for (size_t k = 0; k < h.size(); k++) {
    if (h[k].first.size() == nameLen && asciiCaseEqual(h[k].first.data(), name, nameLen)) continue;
    if (kept != k) h[kept] = std::move(h[k]);
    kept++;
  }
  h.resize(kept);
  markDirty(i);
}

void MimeTree::clearHeaders(int i) {
  ownHeaders(i);
  owned_[parts_[i].owned].headers.clear();
  markDirty(i);
}

void MimeTree::setBody(int i, const char* body, size_t len) {
  while (parts_[i].firstChild >= 0) unlink(parts_[i].firstChild);
  OwnedPart& o = own(i);
  o.hasBody = true;
  o.body.clear();
  // The tree's line ending, whatever the text used.
  for (size_t k = 0; k < len; k++) {
    if (body[k] == '\r' && k + 1 < len && body[k + 1] == '\n') continue;
    if (body[k] == '\n') o.body.append(eol());
    else o.body.push_back(body[k]);
  }
  o.boundary.clear();
  parts_[i].container = false;
  markDirty(i);
}

void MimeTree::setContainer(int i, const std::string& boundary) {
  OwnedPart& o = own(i);
  o.boundary = boundary;
  o.hasBody = false;
  parts_[i].container = true;
  markDirty(i);
}

void MimeTree::unlink(int i) {
  MimePart& p = parts_[i];
  if (p.parent < 0) return;
  MimePart& parent = parts_[p.parent];
  markDirty(p.parent);
  if (p.prev >= 0) parts_[p.prev].next = p.next;
  else parent.firstChild = p.next;
  if (p.next >= 0) parts_[p.next].prev = p.prev;
  else parent.lastChild = p.prev;
  p.parent = p.prev = p.next = -1;
}

bool MimeTree::isAncestor(int a, int i) const {
  for (int p = i; p >= 0; p = parts_[p].parent)
    if (p == a) return true;
  return false;
}

void MimeTree::linkChild(int parent, int child, bool first) {
  unlink(child);
  MimePart& c = parts_[child];
  MimePart& p = parts_[parent];
  c.parent = parent;
  if (first) {
    c.next = p.firstChild;
    if (p.firstChild >= 0) parts_[p.firstChild].prev = child;
    else p.lastChild = child;
    p.firstChild = child;
  } else {
    c.prev = p.lastChild;
    if (p.lastChild >= 0) parts_[p.lastChild].next = child;
    else p.firstChild = child;
    p.lastChild = child;
  }
  markDirty(parent);
}

void MimeTree::linkBeside(int sibling, int part, bool before) {
  unlink(part);
  MimePart& s = parts_[sibling];
  MimePart& x = parts_[part];
  int parent = s.parent;
  x.parent = parent;
  if (before) {
    x.prev = s.prev;
    x.next = sibling;
    if (s.prev >= 0) parts_[s.prev].next = part;
    else parts_[parent].firstChild = part;
    s.prev = part;
  } else {
    x.next = s.next;
    x.prev = sibling;
    if (s.next >= 0) parts_[s.next].prev = part;
    else parts_[parent].lastChild = part;
    s.next = part;
  }
  markDirty(parent);
}

void MimeTree::renderPart(int i, std::string& out) {
  const MimePart& p = parts_[i];
  if (!p.dirty && p.fromSource) {
    out.append(src_ + p.start, p.bodyEnd - p.start);
    return;
  }
  if (p.owned >= 0 && owned_[p.owned].hasHeaders) {
    for (const auto& h : owned_[p.owned].headers) {
      out.append(h.first).append(": ");
      for (char c : h.second) {
        if (c == '\r') continue;  // a fold's CR: the tree's line ending is written instead
        if (c == '\n') out.append(eol());
        else out.push_back(c);
      }
      out.append(eol());
    }
    out.append(eol());
  } else {
    out.append(src_ + p.start, p.bodyStart - p.start);
    if (!p.blankLine) out.append(eol());
  }
  renderPartBody(i, out);
}

void MimeTree::renderPartBody(int i, std::string& out) {
  const MimePart& p = parts_[i];
  bool ownBody = p.owned >= 0 && owned_[p.owned].hasBody;
  if (!p.container || ownBody) {
    const char* b;
    size_t n;
    rawBody(i, &b, &n);
    out.append(b, n);
    return;
  }
  std::string b = boundary(i);
  bool fresh = !p.fromSource || (p.owned >= 0 && owned_[p.owned].boundary != boundaries_.substr(p.boundaryOff, p.boundaryLen));
  size_t preambleEnd = fresh ? p.bodyStart : p.preambleEnd;
  if (p.fromSource) out.append(src_ + p.bodyStart, preambleEnd - p.bodyStart);
  bool atStart = !p.fromSource || preambleEnd == p.bodyStart;
  for (int c = p.firstChild; c >= 0; c = parts_[c].next) {
    if (!atStart) out.append(eol());
    atStart = false;
    out.append("--").append(b).append(eol());
    renderPart(c, out);
  }
  if (!atStart) out.append(eol());
  out.append("--").append(b).append("--");
  if (p.fromSource && !fresh && p.epilogueStart < p.bodyEnd) out.append(src_ + p.epilogueStart, p.bodyEnd - p.epilogueStart);
  else out.append(eol());
}

}  // namespace scriptlet
