// A read-mostly view of one RFC 5322 message held by the host (a Buffer).
// The bytes are borrowed, never copied: the header index is a list of offsets
// built on first use, and a Lua string is made only for what a script reads.
// Header edits are kept beside the index; render() writes the edited message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace scriptlet {

class MessageView {
 public:
  enum class Mode { Replace, Prepend, Append };

  // Borrow len bytes at data for the length of the call. data may be null
  // (phases before DATA have no message).
  void reset(const char* data, size_t len);
  bool present() const { return data_ != nullptr; }

  size_t headerCount();
  // Visits the unfolded, whitespace-trimmed raw values (not yet RFC 2047
  // decoded) of every field named name, case-insensitively, in order. A
  // value is valid until the next visit.
  template <typename Fn>
  void forEachValue(const char* name, size_t nameLen, Fn&& fn);
  // Visits every field in order as (name, nameLen, unfolded value).
  template <typename Fn>
  void forEachField(Fn&& fn);

  // Delete every field called name (value empty) or add one, by mode.
  void setHeader(const char* name, size_t nameLen, const char* value, size_t valueLen, Mode mode);
  void deleteHeader(const char* name, size_t nameLen);
  bool edited() const { return edited_; }

  const char* body(size_t* len);
  size_t size();                 // of the message as it stands, edits included
  const std::string& render();   // the whole message, edits applied (kept until the next edit)
  const char* raw(size_t* len) const { *len = len_; return data_; }

 private:
  // Plain offsets, so that the index lives in one vector whose capacity is
  // kept from call to call: no heap work per field after the first messages.
  struct Field {
    uint32_t nameOff = 0, nameLen = 0;    // into the borrowed bytes, or into owned_[owned]
    uint32_t valueOff = 0, valueLen = 0;  // after ':' to the end of the last folded line
    int32_t owned = -1;                   // fields added by a script: their index in owned_
    bool folded = false;                  // the value holds a line break
    unsigned char first = 0;              // the name's first byte, lower-cased: a cheap reject
  };
  struct OwnedField {
    std::string name, value;
  };

  void ensureIndexed();
  void index();
  bool nameIs(const Field& f, const char* name, size_t len, unsigned char first) const {
    return f.nameLen == len && f.first == first && sameNameAs(f, name, len);
  }
  bool sameNameAs(const Field& f, const char* name, size_t len) const;
  // The unfolded, trimmed value: in place when it has no line break, else in scratch_.
  void value(const Field& f, const char** v, size_t* n);
  const char* nameOf(const Field& f) const { return f.owned >= 0 ? owned_[f.owned].name.data() : data_ + f.nameOff; }
  const char* eol() const { return crlf_ ? "\r\n" : "\n"; }

  const char* data_ = nullptr;
  size_t len_ = 0;
  bool indexed_ = false;
  bool edited_ = false;
  bool crlf_ = true;
  size_t bodyOff_ = 0;
  std::vector<Field> fields_;
  std::vector<OwnedField> owned_;
  size_t ownedUsed_ = 0;  // owned_ keeps its strings' capacity across calls
  std::string scratch_;
  std::string rendered_;
  bool renderedValid_ = false;
};

unsigned char asciiLower(unsigned char c);

template <typename Fn>
void MessageView::forEachValue(const char* name, size_t nameLen, Fn&& fn) {
  ensureIndexed();
  if (nameLen == 0) return;
  unsigned char first = asciiLower(static_cast<unsigned char>(name[0]));
  for (const Field& f : fields_) {
    if (!nameIs(f, name, nameLen, first)) continue;
    const char* v;
    size_t n;
    value(f, &v, &n);
    fn(v, n);
  }
}

template <typename Fn>
void MessageView::forEachField(Fn&& fn) {
  ensureIndexed();
  for (const Field& f : fields_) {
    const char* v;
    size_t n;
    value(f, &v, &n);
    fn(nameOf(f), static_cast<size_t>(f.nameLen), v, n);
  }
}

}  // namespace scriptlet
