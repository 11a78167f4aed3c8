#include "call_input.hpp"

namespace scriptlet {

namespace {

void readString(HostInput& h, napi_value key, std::string& out) {
  Napi::Value v = h.object().Get(key);
  if (v.IsString()) out = v.As<Napi::String>().Utf8Value();
}

int readPort(HostInput& h, napi_value key) {
  Napi::Value v = h.object().Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
}

void loadFacts(HostInput& h, CallContext& call) {
  const JsKeys& k = h.keys;
  readString(h, k.id(), call.messageId);
  readString(h, k.connId(), call.connId);
  readString(h, k.mailfrom(), call.mailfrom);
  readString(h, k.helo(), call.helo);
  readString(h, k.remoteAddr(), call.remoteAddr);
  readString(h, k.localAddr(), call.localAddr);
  call.remotePort = readPort(h, k.remotePort());
  call.localPort = readPort(h, k.localPort());
  Napi::Value rcptto = h.object().Get(k.rcptto());
  if (rcptto.IsArray()) {
    auto list = rcptto.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) call.rcptto.push_back(list.Get(i).ToString().Utf8Value());
  }
  Napi::Value rcpt = h.object().Get(k.rcpt());
  if (!rcpt.IsString()) return;
  std::string r = rcpt.As<Napi::String>().Utf8Value();
  for (size_t i = 0; i < call.rcptto.size(); i++)
    if (call.rcptto[i] == r) {
      call.currentRcpt = static_cast<int>(i);
      return;
    }
  call.rcptto.push_back(std::move(r));
  call.currentRcpt = static_cast<int>(call.rcptto.size()) - 1;
}

// entries from input.context[which], an object of strings (or numbers).
void loadContext(HostInput& h, napi_value which, ContextMap::Entries& entries) {
  Napi::Value context = h.object().Get(h.keys.context());
  if (!context.IsObject()) return;
  Napi::Value source = context.As<Napi::Object>().Get(which);
  if (!source.IsObject()) return;
  Napi::Object obj = source.As<Napi::Object>();
  Napi::Array keys = obj.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    Napi::Value key = keys.Get(i);
    Napi::Value v = obj.Get(key);
    if (!v.IsString() && !v.IsNumber()) continue;
    entries.emplace_back(key.ToString().Utf8Value(), v.ToString().Utf8Value());
  }
}

}  // namespace

Phase checkPhase(Napi::Env env, Napi::Value value) {
  int32_t p = 0;  // one Node-API call: not a number fails it
  if (napi_get_value_int32(env, value, &p) != napi_ok) throw Napi::TypeError::New(env, "phase must be a phase index");
  if (p < 0 || p >= static_cast<int32_t>(Phase::Count)) throw Napi::RangeError::New(env, "phase index out of range");
  return static_cast<Phase>(p);
}

Napi::Object HostInput::object() {
  if (input.IsEmpty()) {
    Napi::Value v = inputs.Get(index);
    if (!v.IsObject()) throw Napi::TypeError::New(env, "a call input must be an object");
    input = v.As<Napi::Object>();
  }
  return input;
}

void readCallInput(HostInput& h, Napi::Value message, CallContext* call) {
  void* data = nullptr;
  size_t len = 0;
  // Not a Buffer (undefined before DATA) is an absent message; the
  // TypeScript side checks the type, and a wrong one reads as absent here.
  if (napi_get_buffer_info(h.env, message, &data, &len) == napi_ok) call->message.reset(static_cast<char*>(data), len);
  HostInput* host = &h;
  call->factsLoader = [host](CallContext& c) { loadFacts(*host, c); };
  if (h.flags & kInputHasConn)
    call->conn.setLoader([host](ContextMap::Entries& e) { loadContext(*host, host->keys.conn(), e); });
  if (h.flags & kInputHasMess)
    call->mess.setLoader([host](ContextMap::Entries& e) { loadContext(*host, host->keys.mess(), e); });
}

}  // namespace scriptlet
