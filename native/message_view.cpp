#include "message_view.hpp"

#include <cstring>

namespace scriptlet {

unsigned char asciiLower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

namespace {

bool isWsp(char c) { return c == ' ' || c == '\t'; }

// Case-insensitive (ASCII, as field names are) and length-bounded: a NUL is
// a byte like any other.
bool sameName(const char* a, const char* b, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && asciiLower(x) != asciiLower(y)) return false;
  }
  return true;
}

// The index holds 32-bit offsets: a header section reaching past 4 GiB ends there.
constexpr size_t kMaxIndexed = 0xffffffffu;

// An mbox "From sender date" line, not a "From:" (or "From :") field.
bool isMboxFromLine(const char* d, size_t len) {
  if (len < 5 || std::memcmp(d, "From ", 5) != 0) return false;
  size_t i = 5;
  while (i < len && isWsp(d[i])) i++;
  return i < len && d[i] != ':';
}

// Offset of the next line feed at or after pos, or len.
size_t findLf(const char* d, size_t pos, size_t len) {
  const void* p = pos < len ? std::memchr(d + pos, '\n', len - pos) : nullptr;
  return p ? static_cast<const char*>(p) - d : len;
}

// End of the line's content: before "\r\n", "\n", or the end of the data.
size_t contentEnd(const char* d, size_t lineStart, size_t lf) {
  return (lf > lineStart && d[lf - 1] == '\r') ? lf - 1 : lf;
}

}  // namespace

void MessageView::reset(const char* data, size_t len) {
  data_ = data;
  len_ = data ? len : 0;
  indexed_ = false;
  edited_ = false;
  crlf_ = true;
  bodyOff_ = 0;
  fields_.clear();
  ownedUsed_ = 0;
  renderedValid_ = false;
}

void MessageView::ensureIndexed() {
  if (!indexed_) index();
}

// One pass over the header section. Lenient where real mail is broken: an
// mbox "From " line is skipped, bare LF is accepted, a line that is neither a
// field nor a continuation is skipped, and a missing blank line means the
// whole message is header.
void MessageView::index() {
  indexed_ = true;
  const char* d = data_;
  size_t pos = 0;
  if (!d) return;
  size_t firstLf = findLf(d, 0, len_);
  crlf_ = firstLf < len_ ? (firstLf > 0 && d[firstLf - 1] == '\r') : true;
  if (isMboxFromLine(d, len_)) pos = firstLf < len_ ? firstLf + 1 : len_;
  bodyOff_ = len_;
  bool inField = false;  // a continuation line extends only the field just read
  while (pos < len_) {
    if (pos > kMaxIndexed) {
      bodyOff_ = pos;
      return;
    }
    size_t lf = findLf(d, pos, len_);
    size_t end = contentEnd(d, pos, lf);
    size_t next = lf < len_ ? lf + 1 : len_;
    if (end == pos) {  // the blank line between header and body
      bodyOff_ = next;
      return;
    }
    if (isWsp(d[pos])) {
      if (inField) {
        Field& last = fields_.back();
        last.valueLen = static_cast<uint32_t>(end - last.valueOff);
        last.folded = true;
      }
    } else {
      inField = false;
      const void* colon = std::memchr(d + pos, ':', end - pos);
      if (colon) {
        size_t c = static_cast<const char*>(colon) - d;
        size_t nameEnd = c;
        while (nameEnd > pos && isWsp(d[nameEnd - 1])) nameEnd--;
        if (nameEnd > pos) {
          Field& f = fields_.emplace_back();
          f.nameOff = static_cast<uint32_t>(pos);
          f.nameLen = static_cast<uint32_t>(nameEnd - pos);
          f.valueOff = static_cast<uint32_t>(c + 1);
          f.valueLen = static_cast<uint32_t>(end - (c + 1));
          f.first = asciiLower(static_cast<unsigned char>(d[pos]));
          inField = true;
        }
      }
    }
    pos = next;
  }
}

size_t MessageView::headerCount() {
  ensureIndexed();
  return fields_.size();
}

bool MessageView::sameNameAs(const Field& f, const char* name, size_t len) const {
  return sameName(nameOf(f), name, len);
}

// RFC 5322 unfolding (drop the line breaks, keep the white space that follows
// them) and trimming of the white space around the value. Only a folded
// value is copied.
void MessageView::value(const Field& f, const char** out, size_t* outLen) {
  const char* v = f.owned >= 0 ? owned_[f.owned].value.data() : data_ + f.valueOff;
  size_t n = f.valueLen;
  size_t i = 0;
  while (i < n && (isWsp(v[i]) || v[i] == '\r' || v[i] == '\n')) i++;
  while (n > i && (isWsp(v[n - 1]) || v[n - 1] == '\r' || v[n - 1] == '\n')) n--;
  if (!f.folded || !std::memchr(v + i, '\n', n - i)) {
    *out = v + i;
    *outLen = n - i;
    return;
  }
  // Copied a line at a time: up to each line feed, less a CR just before it.
  scratch_.clear();
  while (i < n) {
    const void* lf = std::memchr(v + i, '\n', n - i);
    size_t end = lf ? static_cast<size_t>(static_cast<const char*>(lf) - v) : n;
    size_t copyEnd = end > i && lf && v[end - 1] == '\r' ? end - 1 : end;
    scratch_.append(v + i, copyEnd - i);
    i = end + 1;
  }
  *out = scratch_.data();
  *outLen = scratch_.size();
}

void MessageView::deleteHeader(const char* name, size_t nameLen) {
  ensureIndexed();
  size_t kept = 0;
  unsigned char first = nameLen ? asciiLower(static_cast<unsigned char>(name[0])) : 0;
  for (size_t i = 0; i < fields_.size(); i++) {
    if (nameIs(fields_[i], name, nameLen, first)) continue;
    if (kept != i) fields_[kept] = fields_[i];
    kept++;
  }
  if (kept != fields_.size()) {
    edited_ = true;
    renderedValid_ = false;
  }
  fields_.resize(kept);
}

void MessageView::setHeader(const char* name, size_t nameLen, const char* value, size_t valueLen,
                            Mode mode) {
  ensureIndexed();
  // The strings of an owned field it replaces stay in owned_ until the call
  // ends: edits are few, and a Lua string may not point into them anyway.
  if (ownedUsed_ == owned_.size()) owned_.emplace_back();
  OwnedField& o = owned_[ownedUsed_];
  o.name.assign(name, nameLen);
  o.value.assign(value, valueLen);
  Field f;
  f.owned = static_cast<int32_t>(ownedUsed_++);
  f.nameLen = static_cast<uint32_t>(nameLen);
  f.valueLen = static_cast<uint32_t>(valueLen);
  f.folded = std::memchr(value, '\n', valueLen) != nullptr;
  f.first = nameLen ? asciiLower(static_cast<unsigned char>(name[0])) : 0;
  edited_ = true;
  renderedValid_ = false;
  if (mode == Mode::Prepend) {
    fields_.insert(fields_.begin(), f);
    return;
  }
  if (mode == Mode::Append) {
    fields_.push_back(f);
    return;
  }
  // Replace: the new field takes the place of the first old one.
  unsigned char first = f.first;
  size_t at = fields_.size();
  for (size_t i = 0; i < fields_.size(); i++)
    if (nameIs(fields_[i], name, nameLen, first)) { at = i; break; }
  if (at == fields_.size()) {
    fields_.push_back(f);
    return;
  }
  deleteHeader(name, nameLen);
  fields_.insert(fields_.begin() + static_cast<std::ptrdiff_t>(at), f);
}

const char* MessageView::body(size_t* len) {
  ensureIndexed();
  *len = len_ - bodyOff_;
  return data_ ? data_ + bodyOff_ : "";
}

size_t MessageView::size() {
  if (!edited_) return len_;
  return render().size();
}

const std::string& MessageView::render() {
  ensureIndexed();
  if (renderedValid_) return rendered_;
  renderedValid_ = true;
  std::string& out = rendered_;
  out.clear();
  if (!edited_) {
    out.assign(data_ ? data_ : "", len_);
    return out;
  }
  out.reserve(len_ + 256);
  for (const Field& f : fields_) {
    if (f.owned >= 0) {
      // A script's folds take the message's own line ending.
      const OwnedField& o = owned_[f.owned];
      out.append(o.name).append(": ");
      for (size_t i = 0; i < o.value.size(); i++) {
        char c = o.value[i];
        if (c == '\r') continue;  // always part of a CRLF: see checkHeaderValue
        if (c == '\n') out.append(eol());
        else out.push_back(c);
      }
    } else {
      // An untouched field is written back byte for byte, folding included.
      size_t end = f.valueOff + f.valueLen;
      out.append(data_ + f.nameOff, end - f.nameOff);
    }
    out.append(eol());
  }
  out.append(eol());
  if (bodyOff_ < len_) out.append(data_ + bodyOff_, len_ - bodyOff_);
  return out;
}

}  // namespace scriptlet
