#include "call_context.hpp"

#include <cstring>

namespace scriptlet {

namespace {

struct PhaseNames {
  const char* phase;
  const char* callout;
};

constexpr PhaseNames kNames[] = {
    {"connect", "validate_connect"},
    {"ehlo", "validate_ehlo"},
    {"mailfrom", "validate_mailfrom"},
    {"rcptto", "validate_rcptto"},
    {"data", "validate_data"},
    {"data_spool", "validate_data_spool"},
    {"data_spool_each_rcpt", "validate_data_spool_each_rcpt"},
    {"set_binding", "validate_set_binding"},
    // A core hook's phase is its callout's own name (it has no validate_ prefix).
    {"core_final_validation", "core_final_validation"},
    {"core_pre_msg_each_rcpt", "core_pre_msg_each_rcpt"},
    {"core_post_msg_each_rcpt", "core_post_msg_each_rcpt"},
    {"core_log_delivery_v1", "core_log_delivery_v1"},
    {"core_log_permanent_failure_v1", "core_log_permanent_failure_v1"},
    {"core_log_transient_failure_v1", "core_log_transient_failure_v1"},
    {"auth", "authenticate"},
};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(Phase::Count), "a name for every phase");

const std::string kEmpty;

}  // namespace

const char* phaseName(Phase phase) { return kNames[static_cast<int>(phase)].phase; }
const char* calloutName(Phase phase) { return kNames[static_cast<int>(phase)].callout; }

bool phaseFromName(const char* name, size_t len, Phase* out) {
  for (int i = 0; i < static_cast<int>(Phase::Count); i++) {
    if (std::strlen(kNames[i].phase) == len && std::memcmp(kNames[i].phase, name, len) == 0) {
      *out = static_cast<Phase>(i);
      return true;
    }
  }
  return false;
}

void CallContext::reset() {
  message.reset(nullptr, 0);
  mime.clear();
  factsLoader = nullptr;
  messageId.clear();
  connId.clear();
  mailfrom.clear();
  rcptto.clear();
  currentRcpt = -1;
  helo.clear();
  remoteAddr.clear();
  localAddr.clear();
  remotePort = localPort = 0;
  conn.reset();
  mess.reset();
  verdict.clear();
  allowSuspend = false;
  suspension.clear();
  run.module = 0;
  run.thread = LuaThread();
  run.haveThread = false;
  run.budget = CallBudget();
}

const std::string& CallContext::phaseArgument() {
  ensureFacts();
  switch (phase) {
    case Phase::Ehlo:
      return helo;
    case Phase::Mailfrom:
      return mailfrom;
    case Phase::Rcptto:
      if (currentRcpt >= 0 && currentRcpt < static_cast<int>(rcptto.size())) return rcptto[currentRcpt];
      return kEmpty;
    default:
      return kEmpty;
  }
}

}  // namespace scriptlet
