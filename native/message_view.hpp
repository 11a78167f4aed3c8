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
  // decoded) of every field named name, case-insensitively, in order.
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
  struct Field {
    // Into the borrowed bytes while owned is false.
    size_t nameOff = 0, nameLen = 0;
    size_t valueOff = 0, valueLen = 0;  // after ':' to the end of the last folded line
    bool owned = false;
    std::string ownName, ownValue;      // fields added by a script
  };

  void ensureIndexed();
  void index();
  bool nameIs(const Field& f, const char* name, size_t len) const;
  void unfold(const Field& f, std::string& out) const;
  const char* eol() const { return crlf_ ? "\r\n" : "\n"; }

  const char* data_ = nullptr;
  size_t len_ = 0;
  bool indexed_ = false;
  bool edited_ = false;
  bool crlf_ = true;
  size_t bodyOff_ = 0;
  std::vector<Field> fields_;
  std::string scratch_;
  std::string rendered_;
  bool renderedValid_ = false;
};

template <typename Fn>
void MessageView::forEachValue(const char* name, size_t nameLen, Fn&& fn) {
  ensureIndexed();
  for (const Field& f : fields_) {
    if (!nameIs(f, name, nameLen)) continue;
    unfold(f, scratch_);
    fn(scratch_.data(), scratch_.size());
  }
}

template <typename Fn>
void MessageView::forEachField(Fn&& fn) {
  ensureIndexed();
  for (const Field& f : fields_) {
    unfold(f, scratch_);
    if (f.owned) fn(f.ownName.data(), f.ownName.size(), scratch_.data(), scratch_.size());
    else fn(data_ + f.nameOff, f.nameLen, scratch_.data(), scratch_.size());
  }
}

}  // namespace scriptlet
