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

struct Verdict {
  Disposition disposition;
  bool done = false;       // a callout returned VALIDATE_DONE
  bool tempfailed = false; // on_error = tempfail, or a limit, turned a failure into 451
  std::vector<HeaderEdit> headerEdits;
  bool mailfromChanged = false;
  bool rcpttoChanged = false;
  // msg:body_replace/raw_replace changed the message's bytes: the message
  // view now reads replacedMessage (header edits made before the change
  // are in it), and the host is given the message as a whole.
  bool messageReplaced = false;
  std::string replacedMessage;
  std::vector<ScriptError> errors;
  std::vector<LogLine> logs;
  int calloutsRun = 0;

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
  }
};

}  // namespace scriptlet
