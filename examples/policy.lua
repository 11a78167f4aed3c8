-- An example policy written against the Momentum scriptlet API.
--
--  * MAIL FROM:<tempfail@example.test> is answered with a temporary failure,
--    which is handy to test how a client retries;
--  * a message whose Subject contains "[REJECT-TEST]" is refused at DATA;
--  * any other message is marked as checked, in the message context and with
--    an X-Policy header, and goes on to the next module.

local core = require("msys.core")

local TEMPFAIL_SENDER = "tempfail@example.test"
local REJECT_MARKER = "[REJECT-TEST]"

local mod = {}

-- "<User@Example.TEST>" -> "user@example.test"
local function bare_address(str)
  local addr = string.lower(str or "")
  addr = string.gsub(addr, "^%s*<", "")
  addr = string.gsub(addr, ">%s*$", "")
  return addr
end

function mod:validate_connect(accept, vctx)
  vctx:set(core.VCTX_CONN, "policy_client", tostring(accept.remote_addr))
  return core.VALIDATE_CONT
end

function mod:validate_mailfrom(str, accept, vctx)
  if bare_address(str) == TEMPFAIL_SENDER then
    vctx:set_code(451, "4.7.1 test sender: please try again later")
    return core.VALIDATE_DONE
  end
  return core.VALIDATE_CONT
end

function mod:validate_data(msg, accept, vctx)
  -- msg:header() returns every value of the header, in order.
  local subjects = msg:header("Subject")
  for _, subject in ipairs(subjects) do
    if string.find(subject, REJECT_MARKER, 1, true) then
      print("rejecting message " .. tostring(msg.id) .. ": subject carries " .. REJECT_MARKER)
      vctx:set_code(550, "5.7.1 message refused by local policy")
      return core.VALIDATE_DONE
    end
  end

  vctx:set(core.VCTX_MESS, "checked", "yes")
  msg:header("X-Policy", "checked")
  return core.VALIDATE_CONT
end

msys.registerModule("policy", mod)
