#include "batch_text.hpp"

namespace scriptlet {

bool BatchText::appendUtf8(const std::string& s, size_t maxUnits) {
  size_t n = s.size();
  if (plainAscii(s.data(), n)) {  // one unit a byte
    if (n > maxUnits) return false;
    if (!wide_) {
      bytes_.append(s);
    } else {
      size_t at = units_.size();
      units_.resize(at + n);
      for (size_t k = 0; k < n; k++) units_[at + k] = static_cast<unsigned char>(s[k]);
    }
    return true;
  }
  size_t start = static_cast<size_t>(size());
  return decodeUtf8(s.data(), n, [this](char16_t u) { push(u); }) && static_cast<size_t>(size()) - start <= maxUnits;
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
