#include "packed_input.hpp"

namespace scriptlet {

// Reads one call's facts in order: f walks the ints, t the text. Past the
// end of either, it reads nothing more (ok turns false).
struct PackedBatch::Cursor {
  const int32_t* ints;
  size_t end, f;
  std::u16string_view text;
  size_t t;
  bool ok = true;

  int32_t next() {
    if (f >= end) {
      ok = false;
      return 0;
    }
    return ints[f++];
  }
  // The next string, converted when out is given, else skipped.
  void string(std::string* out) {
    int32_t n = next();
    if (!ok || n < 0 || t + static_cast<size_t>(n) > text.size()) {
      ok = false;
      return;
    }
    if (out) *out = utf8FromUtf16(text.data() + t, static_cast<size_t>(n));
    t += static_cast<size_t>(n);
  }
};

std::string readPackedHeader(const int32_t* ints, size_t length, int64_t headerAt, uint32_t maxCalls, int verdictInts,
                             PackedHeader& out) {
  auto n = static_cast<int64_t>(length);
  if (headerAt < 0 || headerAt + PackedHeader::kInts > n) return "the header of a packed batch lies outside its ints";
  const int32_t* h = ints + headerAt;
  out = PackedHeader{h[0], h[1], h[2], h[3], h[4], h[5]};
  if (out.count < 0 || static_cast<uint32_t>(out.count) > maxCalls)
    return "a batch holds at most " + std::to_string(maxCalls) + " calls, this one says " + std::to_string(out.count);
  int64_t verdictsEnd = static_cast<int64_t>(out.verdictsAt) + static_cast<int64_t>(out.count) * verdictInts;
  if (out.verdictsAt < 0 || verdictsEnd > n)
    return "the verdicts of a packed batch (" + std::to_string(out.count) + " calls from " +
           std::to_string(out.verdictsAt) + ") lie outside its " + std::to_string(length) + " ints";
  int64_t layoutEnd = static_cast<int64_t>(out.layoutAt) + static_cast<int64_t>(out.count) * kPackedLayout;
  if (out.layoutAt < 0 || out.factsAt < 0 || layoutEnd > out.verdictsAt || out.factsAt > out.verdictsAt ||
      headerAt + PackedHeader::kInts > out.verdictsAt)
    return "the header, facts and layout of a packed batch must lie inside it, below its verdicts";
  int64_t textEnd = static_cast<int64_t>(out.textAt) + (static_cast<int64_t>(out.textLength) + 1) / 2;
  if (out.textAt < 0 || out.textLength < 0 || textEnd > n || (out.textAt < verdictsEnd && textEnd > out.verdictsAt))
    return "the text of a packed batch must lie inside it, apart from its verdicts";
  return {};
}

PackedBatch::PackedBatch(const int32_t* ints, size_t length, int32_t layoutAt, int32_t factsAt, std::u16string_view text)
    : ints_(ints), length_(length), layoutAt_(layoutAt), factsAt_(factsAt), text_(text) {}

bool PackedBatch::layoutValid(uint32_t i) const {
  const int32_t* s = slot(i);
  int64_t facts = static_cast<int64_t>(factsAt_) + s[0];
  bool factsOk = s[0] >= 0 && facts < static_cast<int64_t>(length_);
  bool textOk = s[1] >= 0 && static_cast<size_t>(s[1]) <= text_.size();
  bool messageOk = s[4] == -1 || (s[4] >= 0 && (s[4] == 0 || s[2] != 0 || s[3] != 0));
  return factsOk && textOk && messageOk;
}

void PackedBatch::walk(uint32_t i, CallContext* facts, ContextMap::Entries* conn, ContextMap::Entries* mess) {
  const int32_t* s = slot(i);
  Cursor c{ints_, length_, static_cast<size_t>(factsAt_) + static_cast<size_t>(s[0]), text_,
           static_cast<size_t>(s[1])};
  int32_t mask = c.next();
  auto string = [&](int32_t bit, std::string* out) {
    if (mask & bit) c.string(out);
  };
  auto port = [&](int32_t bit, int* out) {
    if (!(mask & bit)) return;
    int32_t v = c.next();
    if (out && c.ok) *out = v;
  };
  auto context = [&](int32_t bit, ContextMap::Entries* out) {
    if (!(mask & bit)) return;
    int32_t n = c.next();
    for (int32_t j = 0; j < n && c.ok; j++) {
      std::string key, value;
      c.string(out ? &key : nullptr);
      c.string(out ? &value : nullptr);
      if (out && c.ok) out->emplace_back(std::move(key), std::move(value));
    }
  };

  string(kPackedId, facts ? &facts->messageId : nullptr);
  string(kPackedMailfrom, facts ? &facts->mailfrom : nullptr);
  if (mask & kPackedRcptto) {
    int32_t n = c.next();
    for (int32_t j = 0; j < n && c.ok; j++) {
      std::string r;
      c.string(facts ? &r : nullptr);
      if (facts && c.ok) facts->rcptto.push_back(std::move(r));
    }
  }
  std::string rcpt;
  string(kPackedRcpt, facts ? &rcpt : nullptr);
  bool hasRcpt = (mask & kPackedRcpt) && c.ok;
  string(kPackedHelo, facts ? &facts->helo : nullptr);
  string(kPackedRemoteAddr, facts ? &facts->remoteAddr : nullptr);
  port(kPackedRemotePort, facts ? &facts->remotePort : nullptr);
  string(kPackedLocalAddr, facts ? &facts->localAddr : nullptr);
  port(kPackedLocalPort, facts ? &facts->localPort : nullptr);
  context(kPackedConn, conn);
  context(kPackedMess, mess);
  string(kPackedConnId, facts ? &facts->connId : nullptr);

  if (!facts || !hasRcpt) return;
  // The recipient this call is about, as call_input.cpp sets it.
  for (size_t j = 0; j < facts->rcptto.size(); j++)
    if (facts->rcptto[j] == rcpt) {
      facts->currentRcpt = static_cast<int>(j);
      return;
    }
  facts->rcptto.push_back(std::move(rcpt));
  facts->currentRcpt = static_cast<int>(facts->rcptto.size()) - 1;
}

void PackedBatch::readCall(uint32_t i, CallContext* call) {
  const int32_t* s = slot(i);
  if (s[4] >= 0) {
    uint64_t address = static_cast<uint64_t>(static_cast<uint32_t>(s[2])) |
                       (static_cast<uint64_t>(static_cast<uint32_t>(s[3])) << 32);
    call->message.reset(reinterpret_cast<const char*>(static_cast<uintptr_t>(address)), static_cast<size_t>(s[4]));
  }
  PackedBatch* batch = this;
  call->factsLoader = [batch, i](CallContext& c) { batch->walk(i, &c, nullptr, nullptr); };
  int32_t mask = ints_[static_cast<size_t>(factsAt_) + static_cast<size_t>(s[0])];
  if (mask & kPackedConn) call->conn.setLoader([batch, i](ContextMap::Entries& e) { batch->walk(i, nullptr, &e, nullptr); });
  if (mask & kPackedMess) call->mess.setLoader([batch, i](ContextMap::Entries& e) { batch->walk(i, nullptr, nullptr, &e); });
}

std::string utf8FromUtf16(const char16_t* units, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; i++) {
    uint32_t cp = units[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (units[i + 1] - 0xDC00);
      i++;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

}  // namespace scriptlet
