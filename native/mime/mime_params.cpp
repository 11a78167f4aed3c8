#include "mime_params.hpp"

#include <cstdlib>
#include <cstring>

#include "../util/rfc2047.hpp"
#include "mime_codecs.hpp"

namespace scriptlet {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool isWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// RFC 2045 tspecials end a token (and white space).
bool isTokenChar(char c) {
  return static_cast<unsigned char>(c) > 32 && c != 127 && !std::strchr("()<>@,;:\\\"/[]?=", c);
}

// Skips white space and (nested) comments.
size_t skipCfws(const char* s, size_t n, size_t i) {
  while (i < n) {
    if (isWsp(s[i])) {
      i++;
    } else if (s[i] == '(') {
      int depth = 0;
      for (; i < n; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == '(') depth++;
        else if (s[i] == ')' && --depth == 0) break;
      }
      i++;
    } else {
      break;
    }
  }
  return i;
}

int hex(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

// "%41%42" -> "AB"; a '%' not followed by two hex digits stays.
void percentDecode(const std::string& s, size_t from, std::string& out) {
  for (size_t i = from; i < s.size(); i++) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
}

bool startsWith(const std::string& s, const char* prefix, size_t len) {
  return s.size() >= len && s.compare(0, len, prefix, len) == 0;
}

}  // namespace

void HeaderParams::parse(const char* s, size_t n) {
  value.clear();
  params.clear();
  size_t i = skipCfws(s, n, 0);
  while (i < n && s[i] != ';') {
    if (!isWsp(s[i]) && s[i] != '(') value.push_back(lower(s[i]));
    if (s[i] == '(') i = skipCfws(s, n, i);
    else i++;
  }
  while (i < n) {
    i = skipCfws(s, n, i + 1);  // past ';'
    size_t nameStart = i;
    while (i < n && isTokenChar(s[i])) i++;
    std::string name;
    for (size_t k = nameStart; k < i; k++) name.push_back(lower(s[k]));
    i = skipCfws(s, n, i);
    if (i >= n || s[i] != '=' || name.empty()) {
      while (i < n && s[i] != ';') i++;  // not a parameter: skip to the next
      continue;
    }
    i = skipCfws(s, n, i + 1);
    std::string v;
    if (i < n && s[i] == '"') {
      for (i++; i < n && s[i] != '"'; i++) {
        if (s[i] == '\\' && i + 1 < n) i++;
        if (s[i] != '\r' && s[i] != '\n') v.push_back(s[i]);
      }
      if (i < n) i++;
    } else {
      // Lenient: up to ';' (real mail has unquoted values with spaces or '/').
      size_t start = i;
      while (i < n && s[i] != ';') i++;
      size_t end = i;
      while (end > start && isWsp(s[end - 1])) end--;
      v.assign(s + start, end - start);
    }
    while (i < n && s[i] != ';') i++;
    params.emplace_back(std::move(name), std::move(v));
  }
}

bool HeaderParams::get(const char* name, std::string& out) const {
  size_t nameLen = std::strlen(name);
  // RFC 2231: name* alone, or name*0[*], name*1[*], ... joined in order.
  std::string joined;
  bool extended = false, found = false;
  for (int section = -1; section < 1000; section++) {
    const std::pair<std::string, std::string>* hit = nullptr;
    bool star = false;
    for (const auto& p : params) {
      const std::string& k = p.first;
      if (!startsWith(k, name, nameLen) || k.size() <= nameLen || k[nameLen] != '*') continue;
      std::string rest = k.substr(nameLen + 1);
      if (section < 0) {
        if (rest.empty()) { hit = &p; star = true; }
        continue;
      }
      bool encoded = !rest.empty() && rest.back() == '*';
      if (encoded) rest.pop_back();
      if (rest.empty() || rest.size() > 3 || rest.find_first_not_of("0123456789") != std::string::npos) continue;
      if (std::atoi(rest.c_str()) != section || (rest.size() > 1 && rest[0] == '0')) continue;
      hit = &p;
      star = encoded;
    }
    if (!hit) {
      if (section < 0) continue;
      break;
    }
    if (section == -1 || section == 0) extended = star;
    if (star) percentDecode(hit->second, 0, joined);
    else joined.append(hit->second);
    found = true;
    if (section == -1) break;  // name* alone: no sections
  }
  if (found) {
    if (!extended) {
      out.append(joined);
      return true;
    }
    // charset'language'text
    size_t q1 = joined.find('\'');
    size_t q2 = q1 == std::string::npos ? std::string::npos : joined.find('\'', q1 + 1);
    if (q2 == std::string::npos) {
      appendUnlabelledText(joined.data(), joined.size(), out);
      return true;
    }
    const char* text = joined.data() + q2 + 1;
    size_t textLen = joined.size() - q2 - 1;
    if (q1 == 0) appendUnlabelledText(text, textLen, out);
    else charsetToUtf8(joined.data(), q1, text, textLen, out);
    return true;
  }
  for (const auto& p : params) {
    if (p.first.size() != nameLen || p.first.compare(0, nameLen, name) != 0) continue;
    if (mayHaveEncodedWords(p.second.data(), p.second.size())) {
      std::string decoded;
      decodeEncodedWords(p.second.data(), p.second.size(), decoded);
      appendUnlabelledText(decoded.data(), decoded.size(), out);
    } else {
      appendUnlabelledText(p.second.data(), p.second.size(), out);
    }
    return true;
  }
  return false;
}

}  // namespace scriptlet
