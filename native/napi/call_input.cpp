#include "call_input.hpp"

namespace scriptlet {

namespace {

void readString(HostInput& h, napi_value key, std::string& out) {
  Napi::Value v = h.input.Get(key);
  if (v.IsString()) out = v.As<Napi::String>().Utf8Value();
}

int readPort(HostInput& h, napi_value key) {
  Napi::Value v = h.input.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
}

void loadFacts(HostInput& h, CallContext& call) {
  const JsKeys& k = h.keys;
  readString(h, k.id(), call.messageId);
  readString(h, k.mailfrom(), call.mailfrom);
  readString(h, k.helo(), call.helo);
  readString(h, k.remoteAddr(), call.remoteAddr);
  readString(h, k.localAddr(), call.localAddr);
  call.remotePort = readPort(h, k.remotePort());
  call.localPort = readPort(h, k.localPort());
  Napi::Value rcptto = h.input.Get(k.rcptto());
  if (rcptto.IsArray()) {
    auto list = rcptto.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) call.rcptto.push_back(list.Get(i).ToString().Utf8Value());
  }
  Napi::Value rcpt = h.input.Get(k.rcpt());
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

void loadContext(Napi::Env env, Napi::Value source, ContextMap::Entries& entries) {
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
  if (!value.IsNumber()) throw Napi::TypeError::New(env, "phase must be a phase index");
  int32_t p = value.As<Napi::Number>().Int32Value();
  if (p < 0 || p >= static_cast<int32_t>(Phase::Count)) throw Napi::RangeError::New(env, "phase index out of range");
  return static_cast<Phase>(p);
}

void readCallInput(HostInput& h, CallContext* call) {
  Napi::Value message = h.input.Get(h.keys.message());
  if (message.IsBuffer()) {
    auto buf = message.As<Napi::Buffer<char>>();
    call->message.reset(buf.Data(), buf.Length());
  } else if (!message.IsUndefined() && !message.IsNull()) {
    throw Napi::TypeError::New(h.env, "input.message must be a Buffer");
  }
  HostInput* host = &h;
  call->factsLoader = [host](CallContext& c) { loadFacts(*host, c); };
  Napi::Value context = h.input.Get(h.keys.context());
  if (!context.IsObject()) return;
  h.conn = context.As<Napi::Object>().Get(h.keys.conn());
  h.mess = context.As<Napi::Object>().Get(h.keys.mess());
  if (h.conn.IsObject()) call->conn.setLoader([host](ContextMap::Entries& e) { loadContext(host->env, host->conn, e); });
  if (h.mess.IsObject()) call->mess.setLoader([host](ContextMap::Entries& e) { loadContext(host->env, host->mess, e); });
}

}  // namespace scriptlet
