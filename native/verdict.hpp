// The result of one phase, as plain data: what the policy decided and changed.
// Built by the Lua API functions during the call, turned into a JS object (or
// printed by the C driver) afterwards.
#pragma once

#include <string>
#include <vector>

namespace scriptlet {

struct Disposition {
  bool set = false;
  int code = 0;
  std::string text;
  bool disconnect = false;  // vctx:disconnect()
  bool discard = false;     // msg:discard()
};

struct HeaderEdit {
  enum class Op { Replace, Prepend, Append, Delete };
  Op op;
  std::string name;
  std::string value;
};

// A callout that failed: raised an error or returned something other than a
// VALIDATE_* code. location is "source:line" of the innermost Lua frame.
struct ScriptError {
  std::string module;
  std::string callout;
  std::string message;
  std::string location;
  std::string traceback;
  std::string kind;  // "" (the script's own error), or the limit: instructions, wall_time, memory
};

struct LogLine {
  std::string module;
  std::string text;
};

// A message the host must send besides the one in transit: msg:inject
// (this message, or one made by msys.core.ec_message_new and msg:build) or
// msg:forward (a new message carrying this one as an attachment).
struct InjectedMessage {
  std::string mailfrom;
  std::vector<std::string> rcptto;
  std::string message;  // RFC 5322 bytes, CRLF line ends
  bool forward = false;
};

// ac:esmtp_capability_add / _remove, in the order the script made them.
struct CapabilityEdit {
  bool add = true;
  std::string capability;  // "XFOO" or "XFOO param" (add); the keyword (remove)
};

struct Verdict {
  Disposition disposition;
  bool done = false;       // a callout returned VALIDATE_DONE
  bool tempfailed = false; // on_error = tempfail, or a limit, turned a failure into 451
  std::vector<HeaderEdit> headerEdits;
  bool mailfromChanged = false;
  bool rcpttoChanged = false;
  // The message's bytes were replaced (a MIME edit, msg:body_replace or
  // msg:raw_replace): the host takes the message the verdict carries whole,
  // header edits already in it. replacedMessage holds the bytes of a
  // PCRE replacement, which the message view then reads.
  bool messageReplaced = false;
  std::string replacedMessage;
  std::vector<ScriptError> errors;
  std::vector<LogLine> logs;
  int calloutsRun = 0;
  // Host actions (lua_vctx_recipients.cpp, lua_accept.cpp, lua_message_inject.cpp):
  // empty unless a script asked for them, so they cost nothing otherwise.
  std::vector<InjectedMessage> injected;
  std::vector<CapabilityEdit> capabilityEdits;
  double tarpitSeconds = 0;  // vctx:tarpit: delay the reply to this command
  // msg:binding / msg:binding_group in validate_set_binding ("" when unset).
  std::string binding;
  std::string bindingGroup;
  // msg:routing_domain(domain): where the host routes this recipient ("" when unset).
  std::string routingDomain;

  // Back to empty, keeping the allocated capacity for the next call.
  void clear() {
    disposition.set = disposition.disconnect = disposition.discard = false;
    disposition.code = 0;
    disposition.text.clear();
    done = tempfailed = mailfromChanged = rcpttoChanged = messageReplaced = false;
    replacedMessage.clear();
    headerEdits.clear();
    errors.clear();
    logs.clear();
    calloutsRun = 0;
    injected.clear();
    capabilityEdits.clear();
    tarpitSeconds = 0;
    binding.clear();
    bindingGroup.clear();
    routingDomain.clear();
  }
};

}  // namespace scriptlet
