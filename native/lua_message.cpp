// msg:* — the message, its envelope and its contexts, as Momentum scripts
// see them. Header values come back unfolded and RFC 2047-decoded to UTF-8.
#include <cstring>
#include <string>
#include <vector>

#include "lua_api_extras.hpp"
#include "lua_pcre.hpp"
#include "util/address_list.hpp"
#include "util/rfc2047.hpp"

namespace scriptlet {

namespace {

CallContext* self(lua_State* L) { return checkCall(L, 1, HandleKind::Message); }

// [-0, +1] Pushes a header value, decoded when it holds encoded-words (in
// the call's buffers, which keep their capacity from call to call).
void pushHeaderValue(lua_State* L, const char* v, size_t n, CallContext* call) {
  if (!mayHaveEncodedWords(v, n)) {
    lua_pushlstring(L, v, n);
    return;
  }
  std::string& out = call->scratch.text;
  out.clear();
  decodeEncodedWords(v, n, out, call->scratch.rfc2047);
  lua_pushlstring(L, out.data(), out.size());
}

void checkHeaderName(lua_State* L, const char* name, size_t len) {
  bool ok = len > 0;
  for (size_t i = 0; ok && i < len; i++) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    ok = c >= 33 && c <= 126 && c != ':';
  }
  if (!ok) luaL_argerror(L, 2, "header name must be printable ASCII without ':' or white space");
}

// A line break in a value must start a folded line that has text on it, or
// it would inject a field (or, for a blank line, end the header early).
void checkHeaderValue(lua_State* L, const char* v, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (v[i] != '\r' && v[i] != '\n') continue;
    if (v[i] == '\r' && (i + 1 >= len || v[i + 1] != '\n'))
      luaL_argerror(L, 3, "header value has a bare CR");
    if (v[i] == '\r') i++;
    if (i + 1 >= len || (v[i + 1] != ' ' && v[i + 1] != '\t'))
      luaL_argerror(L, 3, "header value has a line break not followed by white space");
    size_t k = i + 1;
    while (k < len && (v[k] == ' ' || v[k] == '\t')) k++;
    if (k >= len || v[k] == '\r' || v[k] == '\n')
      luaL_argerror(L, 3, "header value has a folded line with nothing on it");
  }
}

MessageView::Mode checkMode(lua_State* L, int idx, HeaderEdit::Op* op) {
  const char* mode = luaL_optstring(L, idx, "replace");
  if (std::strcmp(mode, "replace") == 0) { *op = HeaderEdit::Op::Replace; return MessageView::Mode::Replace; }
  if (std::strcmp(mode, "prepend") == 0) { *op = HeaderEdit::Op::Prepend; return MessageView::Mode::Prepend; }
  if (std::strcmp(mode, "append") == 0) { *op = HeaderEdit::Op::Append; return MessageView::Mode::Append; }
  luaL_argerror(L, idx, "mode must be 'replace', 'prepend' or 'append'");
  return MessageView::Mode::Replace;
}

// msg:header(name) -> { value, ... }; msg:header(name, value [, mode])
int msgHeader(lua_State* L) {
  CallContext* call = self(L);
  size_t nameLen;
  const char* name = luaL_checklstring(L, 2, &nameLen);
  if (lua_isnoneornil(L, 3)) {
    lua_createtable(L, 1, 0);  // most fields appear once
    int i = 0;
    call->message.forEachValue(name, nameLen, [&](const char* v, size_t n) {
      pushHeaderValue(L, v, n, call);
      lua_rawseti(L, -2, ++i);
    });
    return 1;
  }
  checkHeaderName(L, name, nameLen);
  size_t valueLen;
  const char* value = luaL_checklstring(L, 3, &valueLen);
  HeaderEdit edit;
  MessageView::Mode mode = checkMode(L, 4, &edit.op);
  checkHeaderValue(L, value, valueLen);
  if (valueLen == 0) {
    edit.op = HeaderEdit::Op::Delete;
    call->message.deleteHeader(name, nameLen);
  } else {
    call->message.setHeader(name, nameLen, value, valueLen, mode);
  }
  edit.name.assign(name, nameLen);
  edit.value.assign(value, valueLen);
  call->verdict.headerEdits.push_back(std::move(edit));
  return 0;
}

// msg:mailfrom() -> address; msg:mailfrom(address)
int msgMailfrom(lua_State* L) {
  CallContext* call = self(L);
  call->ensureFacts();
  if (lua_isnoneornil(L, 2)) {
    lua_pushlstring(L, call->mailfrom.data(), call->mailfrom.size());
    return 1;
  }
  size_t len;
  const char* v = luaL_checklstring(L, 2, &len);
  call->mailfrom.assign(v, len);
  call->verdict.mailfromChanged = true;
  return 0;
}

// msg:rcptto() -> the recipient this call is about (else the first) or nil;
// msg:rcptto(address) replaces that recipient.
int msgRcptto(lua_State* L) {
  CallContext* call = self(L);
  call->ensureFacts();
  int at = call->currentRcpt >= 0 && call->currentRcpt < static_cast<int>(call->rcptto.size()) ? call->currentRcpt : 0;
  if (lua_isnoneornil(L, 2)) {
    if (call->rcptto.empty()) {
      lua_pushnil(L);
      return 1;
    }
    const std::string& r = call->rcptto[at];
    lua_pushlstring(L, r.data(), r.size());
    return 1;
  }
  size_t len;
  const char* v = luaL_checklstring(L, 2, &len);
  if (call->rcptto.empty()) call->rcptto.emplace_back();
  call->rcptto[at].assign(v, len);
  call->verdict.rcpttoChanged = true;
  return 0;
}

// msg:context_get(type, key) -> value, "" when absent (Momentum's rule).
int msgContextGet(lua_State* L) {
  pushContextValue(L, self(L), 2);
  if (lua_isnil(L, -1)) lua_pushliteral(L, "");
  return 1;
}

int msgContextSet(lua_State* L) {
  setContextValue(L, self(L), 2);
  return 0;
}

int msgContextExists(lua_State* L) {
  const char* key;
  size_t len;
  ContextMap* ctx = checkContextKey(L, self(L), 2, &key, &len);
  lua_pushinteger(L, ctx->get(key, len) != nullptr ? 1 : 0);  // 1 or 0, as on Momentum
  return 1;
}

int msgContextDelete(lua_State* L) {
  const char* key;
  size_t len;
  ContextMap* ctx = checkContextKey(L, self(L), 2, &key, &len);
  lua_pushinteger(L, ctx->erase(key, len) ? 1 : 0);
  return 1;
}

int msgBody(lua_State* L) {
  CallContext* call = self(L);
  size_t len;
  const char* body = call->message.body(&len);
  lua_pushlstring(L, body, len);
  return 1;
}

int msgRaw(lua_State* L) {
  CallContext* call = self(L);
  if (call->message.edited()) {
    const std::string& rendered = call->message.render();
    lua_pushlstring(L, rendered.data(), rendered.size());
    return 1;
  }
  size_t len;
  const char* raw = call->message.raw(&len);
  lua_pushlstring(L, raw ? raw : "", len);
  return 1;
}

int msgSize(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(self(L)->message.size()));
  return 1;
}

// msg:address_header(name [, part]) -> { ... } where part is "address"
// (default), "name", "local_part" or "domain".
int msgAddressHeader(lua_State* L) {
  CallContext* call = self(L);
  size_t nameLen;
  const char* name = luaL_checklstring(L, 2, &nameLen);
  const char* part = luaL_optstring(L, 3, "address");
  int which = std::strcmp(part, "address") == 0 ? 0
              : std::strcmp(part, "name") == 0 ? 1
              : std::strcmp(part, "local_part") == 0 ? 2
              : std::strcmp(part, "domain") == 0 ? 3 : -1;
  if (which < 0) luaL_argerror(L, 3, "part must be 'address', 'name', 'local_part' or 'domain'");
  // Parsed as written, then display names decoded: a decoded "," or "<"
  // inside an encoded-word is text, not address syntax.
  std::vector<Address> list;
  call->message.forEachValue(name, nameLen, [&](const char* v, size_t n) { parseAddressList(v, n, list); });
  std::string decoded;
  for (Address& a : list) {
    if (!mayHaveEncodedWords(a.display.data(), a.display.size())) continue;
    decoded.clear();
    decodeEncodedWords(a.display.data(), a.display.size(), decoded);
    a.display.swap(decoded);
  }
  lua_createtable(L, static_cast<int>(list.size()), 0);
  int i = 0;
  for (const Address& a : list) {
    size_t at = a.address.rfind('@');
    std::string out = which == 0 ? a.address
                      : which == 1 ? a.display
                      : which == 2 ? a.address.substr(0, at == std::string::npos ? a.address.size() : at)
                      : (at == std::string::npos ? std::string() : a.address.substr(at + 1));
    lua_pushlstring(L, out.data(), out.size());
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

// msg:code() -> code, text (or nothing); msg:code(code, text) sets them.
int msgCode(lua_State* L) {
  CallContext* call = self(L);
  if (!lua_isnoneornil(L, 2)) {
    setDisposition(L, call, 2, 3);
    return 0;
  }
  const Disposition& d = call->verdict.disposition;
  if (!d.set) return 0;
  lua_pushinteger(L, d.code);
  lua_pushlstring(L, d.text.data(), d.text.size());
  return 2;
}

// msg:discard([reason]): the client is told the message was accepted (250,
// unless the policy set another reply), it is delivered nowhere, and the
// script goes on. The reason is logged (a verdict log line): it must start
// with an SMTP code, else Momentum's internal reason replaces it.
int msgDiscard(lua_State* L) {
  CallContext* call = self(L);
  size_t len = 0;
  const char* reason = luaL_optlstring(L, 2, "550 5.7.0 discarded by policy", &len);
  bool coded = len >= 4 && reason[0] >= '2' && reason[0] <= '5' && reason[1] >= '0' && reason[1] <= '9' &&
               reason[2] >= '0' && reason[2] <= '9' && (reason[3] == ' ' || reason[3] == '-');
  if (!coded || std::memchr(reason, '\r', len) || std::memchr(reason, '\n', len)) {
    reason = "550 5.7.1 [internal] discarded by policy";
    len = std::strlen(reason);
  }
  Disposition& d = call->verdict.disposition;
  d.discard = true;
  if (!d.set) {
    d.set = true;
    d.code = 250;
    d.text = "2.0.0 OK";
  }
  call->verdict.logs.push_back(LogLine{"msg:discard", std::string(reason, len)});
  return 0;
}

const luaL_Reg kMethods[] = {
    {"header", msgHeader},
    {"mailfrom", msgMailfrom},
    {"rcptto", msgRcptto},
    {"context_get", msgContextGet},
    {"context_set", msgContextSet},
    {"context_exists", msgContextExists},
    {"context_delete", msgContextDelete},
    {"body", msgBody},
    {"raw", msgRaw},
    {"get_message_size", msgSize},
    {"address_header", msgAddressHeader},
    {"code", msgCode},
    {"discard", msgDiscard},
    {"context_exists_and_get", msgContextExistsAndGet},
    {"get_envelope2", msgGetEnvelope2},
    {"listener_addr", msgListenerAddr},
    {"reception_peer", msgReceptionPeer},
    {"get_code", msgGetCode},
    {"set_code", msgSetCode},
    {"inject", msgInject},
    {"build", msgBuild},
    {"forward", msgForward},
    {"binding", msgBinding},
    {"binding_group", msgBindingGroup},
    {"routing_domain", msgRoutingDomain},
    {"body_match", msgBodyMatch},
    {"raw_match", msgRawMatch},
    {"body_replace", msgBodyReplace},
    {"raw_replace", msgRawReplace},
    {nullptr, nullptr},
};

}  // namespace

int pushMessageField(lua_State* L, CallContext* call) {
  call->ensureFacts();
  lua_pushlstring(L, call->messageId.data(), call->messageId.size());
  return 1;
}

void pushMessageMethods(lua_State* L, RunningCall running) {
  pushMethodTable(L, kMethods, running);
  addMimeMessageMethods(L, running);
}

}  // namespace scriptlet
