-- The reference policy of the benchmarks: header lookups, a substring test,
-- a context write and a verdict, once per message in validate_data.
local core = require("msys.core")

local mod = {}

function mod:validate_data(msg, accept, vctx)
  local subject = msg:header("Subject")[1] or ""
  local from = msg:header("From")[1] or ""
  local message_id = msg:header("Message-ID")[1]
  vctx:set(core.VCTX_MESS, "policy", "reference")
  if message_id == nil or subject:find("FREE MONEY", 1, true) then
    vctx:set_code(550, "5.7.1 Rejected by policy")
    return core.VALIDATE_DONE
  end
  if from:find("@example.net", 1, true) then
    vctx:set(core.VCTX_MESS, "sender_class", "partner")
  end
  vctx:set_code(250, "2.0.0 Accepted by policy")
  return core.VALIDATE_CONT
end

msys.registerModule("reference", mod)
