// Everything one phase call carries in and out: the message view, the
// envelope and session facts, both contexts, and the verdict being built.
// CallContexts are pooled by their MasterState and live as long as it does,
// so a Lua handle that outlives its call can still check, safely, that its
// serial no longer matches (see lua_api.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "context_map.hpp"
#include "guard_rails.hpp"
#include "message_view.hpp"
#include "mime/mime_call_state.hpp"
#include "spare_thread_cache.hpp"
#include "util/rfc2047.hpp"
#include "verdict.hpp"

namespace scriptlet {

enum class Phase : int {
  Connect,
  Ehlo,
  Mailfrom,
  Rcptto,
  Data,
  DataSpool,
  DataSpoolEachRcpt,
  SetBinding,
  // Momentum's core hooks a script may define (named by their callout):
  FinalValidation,      // core_final_validation: after data_spool_each_rcpt, before the 250
  PreMsgEachRcpt,       // core_pre_msg_each_rcpt / core_post_msg_each_rcpt: around
  PostMsgEachRcpt,      //   data_spool_each_rcpt, per recipient
  LogDelivery,          // core_log_*_v1: after delivery, when the host delivers
  LogPermanentFailure,
  LogTransientFailure,
  Auth,                 // not an SMTP phase: a msys.registerAuth scheme's authenticate (lua_auth.cpp)
  Count
};

inline bool isDeliveryLogPhase(Phase p) {
  return p == Phase::LogDelivery || p == Phase::LogPermanentFailure || p == Phase::LogTransientFailure;
}

// Momentum's C hooks on the inbound path: real policies end them without a
// return (core_pre_msg_each_rcpt in the vendor's samples), so nothing
// returned means VALIDATE_CONT there, where validate_* must return a code.
inline bool isCoreHookPhase(Phase p) {
  return p == Phase::FinalValidation || p == Phase::PreMsgEachRcpt || p == Phase::PostMsgEachRcpt;
}

const char* phaseName(Phase phase);     // "data_spool", "core_final_validation"
const char* calloutName(Phase phase);   // "validate_data_spool", "core_final_validation"
bool phaseFromName(const char* name, size_t len, Phase* out);

// What a suspended call waits for: Node does it, then the call resumes.
struct Suspension {
  enum class Kind { None, Sleep, DnsLookup, ReadFile, Console, DbQuery, HttpRequest };
  Kind kind = Kind::None;
  double seconds = 0;       // Sleep; HttpRequest: the client's timeout (0: none)
  std::string name, type;   // DnsLookup: "example.com", "MX"; ReadFile: the real path in name
                            // Console: the command line in name
                            // DbQuery: datasource, SQL; HttpRequest: URL, method
  std::vector<std::string> items;  // DbQuery: key, value pairs (lua_db.cpp); HttpRequest: header lines
  std::string body;         // DbQuery: "query" | "fetch_row" | "execute"; HttpRequest: the request body
  bool flag = false;        // DbQuery: nocache
  double timeLeft = -1;     // seconds before the call's deadline; -1: none

  // Back to none, keeping the strings' capacity (cheaper than a fresh one).
  void clear() {
    kind = Kind::None;
    seconds = 0;
    name.clear();
    type.clear();
    items.clear();
    body.clear();
    flag = false;
    timeLeft = -1;
  }
};

// Where a phase run stands, so that it can stop at a suspension and go on.
struct RunState {
  size_t module = 0;        // the module whose callout runs (or runs next)
  LuaThread thread;
  bool haveThread = false;
  CallBudget budget;        // spans the call's suspensions
};

struct CallContext {
  uint64_t serial = 0;  // set by MasterState at the start of every call
  Phase phase = Phase::Connect;

  MessageView message;
  // The envelope and session facts below are read from the host on first
  // use (see ensureFacts): most policies look at few of them, or none.
  std::function<void(CallContext&)> factsLoader;
  std::string messageId;
  std::string connId;  // msg.conn_id: the host's id of the connection
  std::string mailfrom;
  std::vector<std::string> rcptto;
  int currentRcpt = -1;  // the recipient this call is about, or -1

  std::string helo;
  std::string remoteAddr, localAddr;
  int remotePort = 0, localPort = 0;

  ContextMap conn, mess;
  Verdict verdict;
  MimeCallState mime;  // msg:mime() and msg:text(), parsed on first use

  // Buffers the Lua API works in (decoding a header value), kept with their
  // capacity from call to call.
  struct Scratch {
    std::string text;
    Rfc2047Scratch rfc2047;
  } scratch;

  bool allowSuspend = false;  // false: msys.sleep/dnsLookup raise (sync callers)
  Suspension suspension;      // set while suspended
  RunState run;

  // Before a suspension: nothing may stay behind a lazy loader, whose
  // source (the host's input on its stack) will be gone when the call goes on.
  void loadEverything() {
    ensureFacts();
    conn.entries();
    mess.entries();
  }

  void ensureFacts() {
    if (!factsLoader) return;
    auto loader = std::move(factsLoader);
    factsLoader = nullptr;
    loader(*this);
  }
  // Clears every field but keeps the allocated capacity for the next call.
  void reset();
  // The string argument of ehlo/mailfrom/rcptto callouts.
  const std::string& phaseArgument();
};

}  // namespace scriptlet
