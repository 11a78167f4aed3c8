#include "batch_text.hpp"

namespace scriptlet {

void BatchText::appendUtf8(const std::string& s) {
  size_t n = s.size();
  if (plainAscii(s.data(), n)) {  // one unit a byte
    if (!wide_) {
      bytes_.append(s);
    } else {
      size_t at = units_.size();
      units_.resize(at + n);
      for (size_t k = 0; k < n; k++) units_[at + k] = static_cast<unsigned char>(s[k]);
    }
    return;
  }
  size_t i = 0;
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      push(c);
      i++;
      continue;
    }
    size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
    for (size_t k = 1; k < len; k++) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      push(static_cast<char16_t>(0xD800 + (cp >> 10)));
      push(static_cast<char16_t>(0xDC00 + (cp & 0x3ff)));
    } else {
      push(static_cast<char16_t>(cp));
    }
    i += len;
  }
}

void BatchText::widen() {
  units_.resize(bytes_.size());
  for (size_t i = 0; i < bytes_.size(); i++) units_[i] = static_cast<unsigned char>(bytes_[i]);
  wide_ = true;
}

void BatchText::appendKeySection() {
  uint32_t start = static_cast<uint32_t>(size());
  for (const std::string& key : freshKeys) {
    size_t at = static_cast<size_t>(size());
    pushQuad(0);
    appendUtf8(key);
    setQuad(at, static_cast<uint32_t>(size() - at - 4));
  }
  pushQuad(static_cast<uint32_t>(freshKeys.size()));
  pushQuad(start);
  freshKeys.clear();
}

Napi::String BatchText::toJs(Napi::Env env) const {
  napi_value out;
  if (wide_)
    napi_create_string_utf16(env, units_.data(), units_.size(), &out);
  else
    napi_create_string_latin1(env, bytes_.data(), bytes_.size(), &out);
  return Napi::String(env, out);
}

void BatchText::clear() {
  wide_ = false;
  bytes_.clear();
  units_.clear();
  if (bytes_.capacity() > kKeptCapacity) std::string().swap(bytes_);  // one huge batch's room is not kept
  if (units_.capacity() > kKeptCapacity) std::u16string().swap(units_);
  freshKeys.clear();
}

}  // namespace scriptlet
