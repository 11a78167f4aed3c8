#include "verdict_js.hpp"

namespace scriptlet {

namespace {

// A Napi::Value, not a Napi::String: given a String, Object::Set converts it
// to std::string (it can) and makes a new string of that, a copy out and back.
Napi::Value str(Napi::Env env, const std::string& s) { return Napi::String::New(env, s.data(), s.size()); }

const char* opName(HeaderEdit::Op op) {
  switch (op) {
    case HeaderEdit::Op::Replace: return "replace";
    case HeaderEdit::Op::Prepend: return "prepend";
    case HeaderEdit::Op::Append: return "append";
    default: return "delete";
  }
}

// Whether s can be a context key in the batch text: valid UTF-8, no NUL.
bool textKey(const std::string& s) {
  return plainAscii(s.data(), s.size()) || decodeUtf8(s.data(), s.size(), [](char16_t) {});
}

// The longest context value the batch text takes: its length is one UTF-16 unit.
constexpr size_t kMaxTextValueUnits = 0xFFFF;
// Each context's entries have their own places in the key table's memory of
// which key came where (ContextKeyTable::idAt).
constexpr size_t kConnPlaces = 0, kMessPlaces = 4;

// Appends a context to the batch text and writes its [start, end) at slot:
// per entry, key id, value length, value. False when it cannot go there (a
// key or value not valid UTF-8 or holding a NUL, a value too long, the key
// table full): part of it may then be in the text.
bool appendContext(ContextMap& map, ContextKeyTable& keys, BatchText& text, size_t places, int32_t* slot) {
  slot[0] = text.size();
  size_t place = places;
  for (auto& e : map.entries()) {
    int32_t id = keys.idAt(place++, e.first, text.freshKeys, textKey);
    if (id < 0) return false;
    text.push(ContextKeyTable::unitFor(id));
    size_t lengthAt = text.size();
    text.pushLength(0);
    if (!text.appendUtf8(e.second, kMaxTextValueUnits)) return false;
    text.setLength(lengthAt, static_cast<uint32_t>(text.size() - lengthAt - 2));
  }
  slot[1] = text.size();
  return true;
}

// Appends s to the batch text and writes its [start, end) at slot; false
// when it is not valid UTF-8 or holds a NUL.
bool appendPiece(BatchText& t, const std::string& s, int32_t* slot) {
  slot[0] = t.size();
  if (!t.appendUtf8(s)) return false;
  slot[1] = t.size();
  return true;
}

Napi::Array pairsToJs(Napi::Env env, ContextMap& map) {
  Napi::Array arr = Napi::Array::New(env, map.entries().size() * 2);
  uint32_t i = 0;
  for (auto& e : map.entries()) {
    arr.Set(i++, str(env, e.first));
    arr.Set(i++, str(env, e.second));
  }
  return arr;
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
    if (!e.kind.empty()) o.Set("kind", str(env, e.kind));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

Napi::Array headerEditsToJs(Napi::Env env, const JsKeys& k, const std::vector<HeaderEdit>& edits) {
  Napi::Array arr = Napi::Array::New(env, edits.size());
  for (size_t i = 0; i < edits.size(); i++) {
    Napi::Object e = Napi::Object::New(env);
    e.Set(k.op(), opName(edits[i].op));
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

Napi::Array stringsToJs(Napi::Env env, const std::vector<std::string>& list) {
  Napi::Array arr = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) arr.Set(static_cast<uint32_t>(i), str(env, list[i]));
  return arr;
}

// msg:inject / msg:forward: [{ mailfrom, rcptto, message (Buffer), forward? }]
Napi::Array injectedToJs(Napi::Env env, const JsKeys& k, const std::vector<InjectedMessage>& list) {
  Napi::Array arr = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) {
    const InjectedMessage& m = list[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set(k.mailfrom(), str(env, m.mailfrom));
    o.Set(k.rcptto(), stringsToJs(env, m.rcptto));
    o.Set(k.message(), Napi::Buffer<char>::Copy(env, m.message.data(), m.message.size()));
    if (m.forward) o.Set(k.forward(), Napi::Boolean::New(env, true));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

// ac:esmtp_capability_add/remove: [{ op: 'add' | 'remove', capability }]
Napi::Array capabilitiesToJs(Napi::Env env, const JsKeys& k, const std::vector<CapabilityEdit>& list) {
  Napi::Array arr = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set(k.op(), list[i].add ? "add" : "remove");
    o.Set(k.capability(), str(env, list[i].capability));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

// The rare parts of a verdict, or undefined when there are none.
Napi::Value restToJs(Napi::Env env, const JsKeys& k, CallContext* call) {
  Verdict& v = call->verdict;
  if (v.headerEdits.empty() && !v.mailfromChanged && !v.rcpttoChanged && v.errors.empty() && v.logs.empty() &&
      v.injected.empty() && v.capabilityEdits.empty() && v.tarpitSeconds <= 0 &&
      !v.messageReplaced && v.binding.empty() && v.routingDomain.empty())
    return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  if (!v.headerEdits.empty()) out.Set(k.headerEdits(), headerEditsToJs(env, k, v.headerEdits));
  if ((!v.headerEdits.empty() || v.messageReplaced) && call->message.present()) {
    const std::string& rendered = call->message.render();
    out.Set(k.message(), Napi::Buffer<char>::Copy(env, rendered.data(), rendered.size()));
    // A MIME edit replaced the body: the message is to be taken whole.
    if (v.messageReplaced) out.Set("messageReplaced", Napi::Boolean::New(env, true));
  }
  if (v.mailfromChanged) out.Set(k.mailfrom(), str(env, call->mailfrom));
  if (v.rcpttoChanged) out.Set(k.rcptto(), stringsToJs(env, call->rcptto));
  if (!v.injected.empty()) out.Set(k.injected(), injectedToJs(env, k, v.injected));
  if (!v.capabilityEdits.empty()) out.Set(k.esmtpCapabilities(), capabilitiesToJs(env, k, v.capabilityEdits));
  if (v.tarpitSeconds > 0) out.Set(k.tarpit(), Napi::Number::New(env, v.tarpitSeconds));
  if (!v.errors.empty()) out.Set(k.errors(), errorsToJs(env, k, v.errors));
  if (!v.logs.empty()) out.Set(k.logs(), logsToJs(env, k, v.logs));
  if (!v.binding.empty()) out.Set(k.binding(), str(env, v.binding));
  if (!v.bindingGroup.empty()) out.Set(k.bindingGroup(), str(env, v.bindingGroup));
  if (!v.routingDomain.empty()) out.Set(k.routingDomain(), str(env, v.routingDomain));
  return out;
}

}  // namespace

void encodeSuspension(Napi::Env env, const CallContext* call, uint32_t id, int32_t* ints, LazyValues& values,
                      uint32_t index) {
  int32_t* slot = ints + static_cast<size_t>(index) * kIntsPerVerdict;
  slot[0] = static_cast<int32_t>(id);
  slot[1] = kFlagSuspended;
  slot[2] = call->verdict.calloutsRun;
  const Suspension& s = call->suspension;
  Napi::Object request = Napi::Object::New(env);
  if (s.kind == Suspension::Kind::Sleep) {
    request.Set("kind", "sleep");
    request.Set("seconds", s.seconds);
  } else if (s.kind == Suspension::Kind::ReadFile) {
    request.Set("kind", "readFile");
    request.Set("path", s.name);
  } else if (s.kind == Suspension::Kind::Console) {
    request.Set("kind", "console");
    request.Set("line", s.name);
  } else if (s.kind == Suspension::Kind::DbQuery || s.kind == Suspension::Kind::HttpRequest) {
    // msys.db (lua_db.cpp) and msys.http.client (lua_http_client.cpp); read by src/datasource/.
    bool db = s.kind == Suspension::Kind::DbQuery;
    request.Set("kind", db ? "dbQuery" : "httpRequest");
    request.Set(db ? "datasource" : "url", s.name);
    request.Set(db ? "sql" : "method", s.type);
    Napi::Array items = Napi::Array::New(env, s.items.size());
    for (uint32_t i = 0; i < s.items.size(); i++)
      items.Set(i, Napi::Buffer<char>::Copy(env, s.items[i].data(), s.items[i].size()));
    request.Set(db ? "params" : "headers", items);
    if (db) {
      request.Set("mode", s.body);
      request.Set("nocache", s.flag);
    } else {
      request.Set("body", Napi::Buffer<char>::Copy(env, s.body.data(), s.body.size()));
      if (s.seconds > 0) request.Set("timeout", s.seconds);
    }
  } else {
    request.Set("kind", "dnsLookup");
    request.Set("name", s.name);
    request.Set("type", s.type);
  }
  if (s.timeLeft >= 0) request.Set("timeLeft", s.timeLeft);
  values.get().Set(index * kValuesPerVerdict + 1, request);
}

void encodeVerdict(Napi::Env env, const JsKeys& k, ContextKeyTable& contextKeys, CallContext* call, int32_t* ints,
                   LazyValues& values, uint32_t index, BatchText& text) {
  Verdict& v = call->verdict;
  const Disposition& d = v.disposition;
  int32_t flags = (d.set ? kFlagDisposition : 0) | (d.disconnect ? kFlagDisconnect : 0) |
                  (d.discard ? kFlagDiscard : 0) | (v.done ? kFlagDone : 0) | (v.tempfailed ? kFlagTempfailed : 0);
  int32_t* slot = ints + static_cast<size_t>(index) * kIntsPerVerdict;
  slot[0] = d.set ? d.code : 0;
  slot[2] = v.calloutsRun;
  slot[3] = slot[4] = slot[5] = slot[6] = slot[7] = slot[8] = -1;

  // A verdict's strings are either all in the batch text or all in values:
  // when one cannot go in the text, the text is cut back to where it was.
  const std::string* reply = d.set ? &d.text : nullptr;
  bool hasConn = call->conn.dirty(), hasMess = call->mess.dirty();
  int32_t mark = text.size();
  bool fits = (!reply || appendPiece(text, *reply, slot + 3)) &&
              (!hasConn || appendContext(call->conn, contextKeys, text, kConnPlaces, slot + 5)) &&
              (!hasMess || appendContext(call->mess, contextKeys, text, kMessPlaces, slot + 7));
  uint32_t base = index * kValuesPerVerdict;
  if (!fits) {
    text.truncate(mark);
    slot[3] = slot[4] = slot[5] = slot[6] = slot[7] = slot[8] = -1;
    flags |= kFlagStringsInValues;
    Napi::Array strings = Napi::Array::New(env, 3);
    if (reply) strings.Set(0u, str(env, *reply));
    if (hasConn) strings.Set(1u, pairsToJs(env, call->conn));
    if (hasMess) strings.Set(2u, pairsToJs(env, call->mess));
    values.get().Set(base, strings);
  }
  slot[1] = flags;
  Napi::Value rest = restToJs(env, k, call);
  if (!rest.IsUndefined()) values.get().Set(base + 1, rest);
}

}  // namespace scriptlet
