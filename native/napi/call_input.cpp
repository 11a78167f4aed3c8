#include "call_input.hpp"

namespace scriptlet {

namespace {

void readString(Napi::Object input, const char* key, std::string& out) {
  Napi::Value v = input.Get(key);
  if (v.IsString()) out = v.As<Napi::String>().Utf8Value();
}

int readPort(Napi::Object input, const char* key) {
  Napi::Value v = input.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
}

// The loader runs inside the call, while the input object is still alive.
void lazyContext(Napi::Env env, Napi::Value source, ContextMap& map) {
  if (!source.IsObject()) return;
  napi_value raw = source;
  map.setLoader([env, raw](ContextMap::Entries& entries) {
    Napi::Object obj(env, raw);
    Napi::Array keys = obj.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      Napi::Value k = keys.Get(i);
      Napi::Value v = obj.Get(k);
      if (!v.IsString() && !v.IsNumber()) continue;
      entries.emplace_back(k.ToString().Utf8Value(), v.ToString().Utf8Value());
    }
  });
}

}  // namespace

Phase checkPhase(Napi::Env env, Napi::Value value) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, "phase must be a phase index");
  int32_t p = value.As<Napi::Number>().Int32Value();
  if (p < 0 || p >= static_cast<int32_t>(Phase::Count)) throw Napi::RangeError::New(env, "phase index out of range");
  return static_cast<Phase>(p);
}

void readCallInput(Napi::Env env, Napi::Object input, CallContext* call) {
  Napi::Value message = input.Get("message");
  if (message.IsBuffer()) {
    auto buf = message.As<Napi::Buffer<char>>();
    call->message.reset(buf.Data(), buf.Length());
  } else if (!message.IsUndefined() && !message.IsNull()) {
    throw Napi::TypeError::New(env, "input.message must be a Buffer");
  }
  readString(input, "id", call->messageId);
  readString(input, "mailfrom", call->mailfrom);
  readString(input, "helo", call->helo);
  readString(input, "remoteAddr", call->remoteAddr);
  readString(input, "localAddr", call->localAddr);
  call->remotePort = readPort(input, "remotePort");
  call->localPort = readPort(input, "localPort");
  Napi::Value rcptto = input.Get("rcptto");
  if (rcptto.IsArray()) {
    auto list = rcptto.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) call->rcptto.push_back(list.Get(i).ToString().Utf8Value());
  }
  Napi::Value rcpt = input.Get("rcpt");
  if (rcpt.IsString()) {
    std::string r = rcpt.As<Napi::String>().Utf8Value();
    call->currentRcpt = -1;
    for (size_t i = 0; i < call->rcptto.size(); i++)
      if (call->rcptto[i] == r) { call->currentRcpt = static_cast<int>(i); break; }
    if (call->currentRcpt < 0) {
      call->rcptto.push_back(std::move(r));
      call->currentRcpt = static_cast<int>(call->rcptto.size()) - 1;
    }
  }
  Napi::Value context = input.Get("context");
  if (context.IsObject()) {
    Napi::Object ctx = context.As<Napi::Object>();
    lazyContext(env, ctx.Get("conn"), call->conn);
    lazyContext(env, ctx.Get("mess"), call->mess);
  }
}

}  // namespace scriptlet
