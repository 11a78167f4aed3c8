#include "verdict_js.hpp"

namespace scriptlet {

namespace {

const char* opName(HeaderEdit::Op op) {
  switch (op) {
    case HeaderEdit::Op::Replace: return "replace";
    case HeaderEdit::Op::Prepend: return "prepend";
    case HeaderEdit::Op::Append: return "append";
    default: return "delete";
  }
}

Napi::Object contextToJs(Napi::Env env, ContextMap& map) {
  Napi::Object obj = Napi::Object::New(env);
  for (auto& e : map.entries()) obj.Set(e.first, e.second);
  return obj;
}

Napi::Array errorsToJs(Napi::Env env, const std::vector<ScriptError>& errors) {
  Napi::Array arr = Napi::Array::New(env, errors.size());
  for (size_t i = 0; i < errors.size(); i++) {
    const ScriptError& e = errors[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("module", e.module);
    o.Set("callout", e.callout);
    o.Set("message", e.message);
    o.Set("location", e.location);
    o.Set("traceback", e.traceback);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

}  // namespace

Napi::Object verdictToJs(Napi::Env env, CallContext* call) {
  Verdict& v = call->verdict;
  Napi::Object out = Napi::Object::New(env);
  if (v.disposition.set || v.disposition.discard) {
    out.Set("code", v.disposition.code);
    out.Set("text", v.disposition.text);
    if (v.disposition.disconnect) out.Set("disconnect", true);
    if (v.disposition.discard) out.Set("discard", true);
  }
  if (v.done) out.Set("done", true);
  if (v.tempfailed) out.Set("tempfailed", true);
  if (!v.headerEdits.empty()) {
    Napi::Array edits = Napi::Array::New(env, v.headerEdits.size());
    for (size_t i = 0; i < v.headerEdits.size(); i++) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("op", opName(v.headerEdits[i].op));
      e.Set("name", v.headerEdits[i].name);
      e.Set("value", v.headerEdits[i].value);
      edits.Set(static_cast<uint32_t>(i), e);
    }
    out.Set("headerEdits", edits);
    if (call->message.present()) {
      std::string rendered = call->message.render();
      out.Set("message", Napi::Buffer<char>::Copy(env, rendered.data(), rendered.size()));
    }
  }
  if (v.mailfromChanged) out.Set("mailfrom", call->mailfrom);
  if (v.rcpttoChanged) {
    Napi::Array list = Napi::Array::New(env, call->rcptto.size());
    for (size_t i = 0; i < call->rcptto.size(); i++) list.Set(static_cast<uint32_t>(i), call->rcptto[i]);
    out.Set("rcptto", list);
  }
  if (call->conn.dirty()) out.Set("conn", contextToJs(env, call->conn));
  if (call->mess.dirty()) out.Set("mess", contextToJs(env, call->mess));
  if (!v.errors.empty()) out.Set("errors", errorsToJs(env, v.errors));
  if (!v.logs.empty()) {
    Napi::Array logs = Napi::Array::New(env, v.logs.size());
    for (size_t i = 0; i < v.logs.size(); i++) {
      Napi::Object l = Napi::Object::New(env);
      l.Set("module", v.logs[i].module);
      l.Set("text", v.logs[i].text);
      logs.Set(static_cast<uint32_t>(i), l);
    }
    out.Set("logs", logs);
  }
  out.Set("callouts", v.calloutsRun);
  return out;
}

}  // namespace scriptlet
