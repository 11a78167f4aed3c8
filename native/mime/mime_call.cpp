#include "mime_call.hpp"


namespace scriptlet {

namespace {

// Where the message's body starts in its bytes (header edits do not move it).
size_t bodyStartIn(MessageView& view, size_t total) {
  size_t bodyLen;
  view.body(&bodyLen);
  return total - bodyLen;
}

}  // namespace

MimeTree* readOnlyTree(CallContext* call) {
  MimeCallState& m = call->mime;
  if (m.readOnlyValid) return &m.readOnly;
  MessageView& view = call->message;
  if (!view.present()) return nullptr;
  size_t len;
  const char* raw = view.raw(&len);
  m.readOnly.parse(&view, raw, len, bodyStartIn(view, len), false);
  m.readOnlyValid = true;
  return &m.readOnly;
}

MimeTree* writableTree(CallContext* call) {
  MimeCallState& m = call->mime;
  if (m.writableValid) return &m.writable;
  MessageView& view = call->message;
  if (!view.present()) return nullptr;
  // A copy: the view's bytes change under it once the first edit renders.
  size_t len;
  const char* raw = view.raw(&len);
  m.source.assign(raw, len);
  m.writable.parse(&view, m.source.data(), m.source.size(), bodyStartIn(view, len), true);
  m.writableValid = true;
  return &m.writable;
}

void commitWritableTree(CallContext* call) {
  MimeCallState& m = call->mime;
  MessageView& view = call->message;
  std::string& out = m.rendered[1 - m.current];
  out.clear();
  size_t bodyLen;
  view.body(&bodyLen);
  if (view.edited()) {
    const std::string& r = view.render();
    out.append(r, 0, r.size() - bodyLen);
  } else {
    size_t len;
    const char* raw = view.raw(&len);
    out.append(raw, len - bodyLen);
    // All header, no blank line: end the header before the new body.
    if (bodyLen == 0 && !(out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') &&
        !(out.size() >= 4 && out.compare(out.size() - 4, 4, "\r\n\r\n") == 0)) {
      if (!out.empty() && out.back() != '\n') out.append(m.writable.eol());
      out.append(m.writable.eol());
    }
  }
  size_t bodyAt = out.size();
  m.writable.renderBody(out);
  // A message ends with a line break (SMTP's DATA needs one before its dot).
  if (out.size() > bodyAt && out.back() != '\n') out.append(m.writable.eol());
  m.current = 1 - m.current;
  forgetReadOnlyTree(call);
  view.reset(out.data(), out.size());
  call->verdict.messageReplaced = true;
}

void forgetMimeTrees(CallContext* call) {
  forgetReadOnlyTree(call);
  MimeCallState& m = call->mime;
  m.writableGeneration++;
  if (m.writableValid) m.writable.clear();
  m.writableValid = false;
}

void forgetReadOnlyTree(CallContext* call) {
  MimeCallState& m = call->mime;
  m.generation++;
  if (m.readOnlyValid) m.readOnly.clear();
  m.readOnlyValid = false;
}

}  // namespace scriptlet
