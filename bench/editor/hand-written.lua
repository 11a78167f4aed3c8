-- The hand-written twin of rules.json: the same policy as an operator would
-- write it without the editor (msg:* methods, msys.pcre.match, msg:binding).
require("msys.core")
local core = msys.core

local mod = {}

function mod:validate_mailfrom(mailfrom, accept, vctx)
  if mailfrom == "bad@spam.example" or mailfrom:find("@bulk.", 1, true) then
    vctx:set_code(553, "5.7.1 sender refused")
    return core.VALIDATE_DONE
  end
  return core.VALIDATE_CONT
end

function mod:validate_data(msg, accept, vctx)
  local subject = msg:header("Subject")[1]
  if subject and subject:find("[SPAM]", 1, true) then
    vctx:set_code(550, "5.7.1 spam refused")
    return core.VALIDATE_DONE
  end
  if msg:get_message_size() > 200000 then
    vctx:set_code(452, "4.3.4 too big for now")
    return core.VALIDATE_DONE
  end
  if msys.pcre.match(msg:header("X-Mailer")[1] or "", "^Newsletter(?:Pro)? [0-9]+") then
    msg:context_set(core.ECMESS_CTX_MESS, "class", "bulk")
  else
    msg:header("X-Policy", "checked", "append")
  end
  return core.VALIDATE_CONT
end

function mod:validate_set_binding(msg)
  if msg:context_get(core.ECMESS_CTX_MESS, "class") == "bulk" then
    msg:binding("bulk")
  elseif msg:rcptto():find("@gmail.com", 1, true) then
    msg:binding("gmail")
  end
  return core.VALIDATE_CONT
end

msys.registerModule("policyeditor", mod)
