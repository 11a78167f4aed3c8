-- Recipient-based bindings: pick the outbound identity (source IP, queues)
-- each recipient's copy leaves through.
--
--  * a message marked "X-Mail-Class: transactional" (receipts, password
--    resets) leaves through the binding "transactional", whose reputation
--    bulk mail must not spoil;
--  * a recipient at a partner domain leaves through that partner's binding;
--  * everything else is spread over the binding group "bulk".
--
-- The bindings and the group are declared in ecelerity.conf; a name that is
-- not declared makes msg:binding() return nil, and the recipient then goes
-- out through the default binding.
--
-- The choice is made in validate_data_spool_each_rcpt, where the message and
-- its headers can be read, kept in the message context, and applied in
-- validate_set_binding, the only callout where msg:binding() may be called.

local core = require("msys.core")
require("msys.extended.message")

local mod = {}

-- Recipient domain -> binding. Lower case.
local PARTNER_BINDINGS = {
  ["partner.example"] = "partner",
  ["mail.partner.example"] = "partner",
}

local TRANSACTIONAL_BINDING = "transactional"
local BULK_GROUP = "bulk"

-- The context key that carries the choice from each_rcpt to set_binding.
-- One fixed name is enough: from data_spool on, each recipient has its own
-- copy of the message context, as on Momentum.
local CHOICE_KEY = "binding_choice"

-- The recipient's domain, with get_envelope2 as Momentum's own samples do.
local function recipient_domain(msg)
  local localpart = core.string_new()
  local domain = core.string_new()
  msg:get_envelope2(core.EC_MSG_ENV_TO, localpart, domain)
  return string.lower(tostring(domain))
end

function mod:validate_data_spool_each_rcpt(msg, accept, vctx)
  local class = msg:header("X-Mail-Class")[1]
  local choice
  if class ~= nil and string.lower(class) == "transactional" then
    choice = "binding:" .. TRANSACTIONAL_BINDING
  else
    local partner = PARTNER_BINDINGS[recipient_domain(msg)]
    if partner ~= nil then
      choice = "binding:" .. partner
    else
      choice = "group:" .. BULK_GROUP
    end
  end
  msg:context_set(core.VCTX_MESS, CHOICE_KEY, choice)
  return core.VALIDATE_CONT
end

function mod:validate_set_binding(msg)
  local exists, choice = msg:context_exists_and_get(core.VCTX_MESS, CHOICE_KEY)
  if exists ~= 1 then
    return core.VALIDATE_CONT            -- no choice made: the default binding
  end

  local kind, name = string.match(choice, "^(%a+):(.+)$")
  local bound
  if kind == "group" then
    bound = msg:binding_group(name)
  else
    bound = msg:binding(name)
  end
  if bound == nil then
    -- Not declared in the configuration: say so, and keep the default.
    print("no " .. tostring(kind) .. " named " .. tostring(name) .. " for " .. tostring(msg:rcptto()))
  end
  return core.VALIDATE_CONT
end

msys.registerModule("recipient_binding", mod)
