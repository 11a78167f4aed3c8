#include "verdict_js.hpp"

namespace scriptlet {

namespace {

Napi::String str(Napi::Env env, const std::string& s) { return Napi::String::New(env, s.data(), s.size()); }

const char* opName(HeaderEdit::Op op) {
  switch (op) {
    case HeaderEdit::Op::Replace: return "replace";
    case HeaderEdit::Op::Prepend: return "prepend";
    case HeaderEdit::Op::Append: return "append";
    default: return "delete";
  }
}

Napi::Object contextToJs(Napi::Env env, const JsKeys& k, ContextMap& map) {
  Napi::Object obj = Napi::Object::New(env);
  for (auto& e : map.entries()) obj.Set(k.cachedString(e.first), str(env, e.second));
  return obj;
}

Napi::Array errorsToJs(Napi::Env env, const JsKeys& k, const std::vector<ScriptError>& errors) {
  Napi::Array arr = Napi::Array::New(env, errors.size());
  for (size_t i = 0; i < errors.size(); i++) {
    const ScriptError& e = errors[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set(k.module(), str(env, e.module));
    o.Set(k.callout(), str(env, e.callout));
    o.Set(k.message(), str(env, e.message));
    o.Set(k.location(), str(env, e.location));
    o.Set(k.traceback(), str(env, e.traceback));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

Napi::Array headerEditsToJs(Napi::Env env, const JsKeys& k, const std::vector<HeaderEdit>& edits) {
  Napi::Array arr = Napi::Array::New(env, edits.size());
  for (size_t i = 0; i < edits.size(); i++) {
    Napi::Object e = Napi::Object::New(env);
    e.Set(k.op(), Napi::String::New(env, opName(edits[i].op)));
    e.Set(k.name(), str(env, edits[i].name));
    e.Set(k.value(), str(env, edits[i].value));
    arr.Set(static_cast<uint32_t>(i), e);
  }
  return arr;
}

Napi::Array logsToJs(Napi::Env env, const JsKeys& k, const std::vector<LogLine>& logs) {
  Napi::Array arr = Napi::Array::New(env, logs.size());
  for (size_t i = 0; i < logs.size(); i++) {
    Napi::Object l = Napi::Object::New(env);
    l.Set(k.module(), str(env, logs[i].module));
    l.Set(k.text(), str(env, logs[i].text));
    arr.Set(static_cast<uint32_t>(i), l);
  }
  return arr;
}

}  // namespace

Napi::Object verdictToJs(Napi::Env env, const JsKeys& k, CallContext* call) {
  Verdict& v = call->verdict;
  Napi::Object out = Napi::Object::New(env);
  const Disposition& d = v.disposition;
  if (d.set || d.discard) {
    out.Set(k.code(), Napi::Number::New(env, d.code));
    out.Set(k.text(), Napi::Value(env, k.cachedString(d.text)));
    if (d.disconnect) out.Set(k.disconnect(), Napi::Boolean::New(env, true));
    if (d.discard) out.Set(k.discard(), Napi::Boolean::New(env, true));
  }
  if (v.done) out.Set(k.done(), Napi::Boolean::New(env, true));
  if (v.tempfailed) out.Set(k.tempfailed(), Napi::Boolean::New(env, true));
  if (!v.headerEdits.empty()) {
    out.Set(k.headerEdits(), headerEditsToJs(env, k, v.headerEdits));
    if (call->message.present()) {
      std::string rendered = call->message.render();
      out.Set(k.message(), Napi::Buffer<char>::Copy(env, rendered.data(), rendered.size()));
    }
  }
  if (v.mailfromChanged) out.Set(k.mailfrom(), str(env, call->mailfrom));
  if (v.rcpttoChanged) {
    Napi::Array list = Napi::Array::New(env, call->rcptto.size());
    for (size_t i = 0; i < call->rcptto.size(); i++) list.Set(static_cast<uint32_t>(i), str(env, call->rcptto[i]));
    out.Set(k.rcptto(), list);
  }
  if (call->conn.dirty()) out.Set(k.conn(), contextToJs(env, k, call->conn));
  if (call->mess.dirty()) out.Set(k.mess(), contextToJs(env, k, call->mess));
  if (!v.errors.empty()) out.Set(k.errors(), errorsToJs(env, k, v.errors));
  if (!v.logs.empty()) out.Set(k.logs(), logsToJs(env, k, v.logs));
  out.Set(k.callouts(), Napi::Number::New(env, v.calloutsRun));
  return out;
}

}  // namespace scriptlet
