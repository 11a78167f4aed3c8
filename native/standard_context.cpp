// The context variables Momentum's core sets on every session and message
// ("Connection Context Variables", "Message Context Variables") that follow
// from a call's facts: computed when a script reads one that the context
// itself does not hold, so a call whose script reads none costs nothing.
// Those the host alone knows (tls, auth_user, auth_status, can_relay,
// connection_rcpt_count) it puts in the connection context itself.
#include <cstring>
#include <string>

#include "lua_api.hpp"

namespace scriptlet {

namespace {

bool is(const char* key, size_t len, const char* name) {
  return std::strlen(name) == len && std::memcmp(key, name, len) == 0;
}

// PREFIX_string, PREFIX_localpart, PREFIX_domain of an address.
bool addressPart(const std::string& address, const char* key, size_t len, const char* prefix, std::string* out) {
  size_t plen = std::strlen(prefix);
  if (len <= plen || std::memcmp(key, prefix, plen) != 0) return false;
  const char* part = key + plen;
  size_t partLen = len - plen;
  size_t at = address.rfind('@');
  if (is(part, partLen, "string")) {
    *out = address;
  } else if (is(part, partLen, "localpart")) {
    *out = address.substr(0, at == std::string::npos ? address.size() : at);
  } else if (is(part, partLen, "domain")) {
    *out = at == std::string::npos ? std::string() : address.substr(at + 1);
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool standardContextValue(CallContext* call, bool conn, const char* key, size_t len, std::string* out) {
  call->ensureFacts();
  if (conn) {
    if (is(key, len, "ehlo_string") || is(key, len, "ehlo_domain")) {
      *out = call->helo;
      return true;
    }
    return false;
  }
  if (is(key, len, "message_rcpt_count")) {
    *out = std::to_string(call->rcptto.size());
    return true;
  }
  if (addressPart(call->mailfrom, key, len, "mailfrom_", out)) return true;
  if (len > 7 && std::memcmp(key, "rcptto_", 7) == 0) {
    int at = call->currentRcpt >= 0 ? call->currentRcpt : 0;
    const std::string none;
    const std::string& rcpt = at < static_cast<int>(call->rcptto.size()) ? call->rcptto[at] : none;
    return addressPart(rcpt, key, len, "rcptto_", out);
  }
  return false;
}

}  // namespace scriptlet
