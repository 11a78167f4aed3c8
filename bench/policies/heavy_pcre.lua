-- The heavy policy as a Momentum author writes it with msys.pcre and
-- msg:body_match: the same twenty header lookups and word tally (plain Lua
-- string work on short values), the Subject tests as PCRE, and the body
-- scanned by PCRE2's JIT instead of Lua patterns: links, shouting, spam
-- phrases, and lines of 120 characters or more (what a PCRE-minded policy
-- asks instead of heavy.lua's longest line). Its JS twin, with V8 regular
-- expressions, is heavyPcre in bench/suite/js-policies.ts.
local core = require("msys.core")
local pcre = require("msys.pcre")

local HEADERS = {
  "Subject", "From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Message-ID",
  "In-Reply-To", "References", "Date", "Received", "Content-Type", "MIME-Version",
  "X-Mailer", "User-Agent", "List-Id", "Precedence", "X-Spam-Status", "DKIM-Signature",
}

local SPAMMY = { "free", "money", "click", "offer", "winner", "viagra", "mortgage", "unsubscribe" }

-- How many times pattern matches the body (msg:body_match gives false for none).
local function count(msg, pattern)
  local m = msg:body_match(pattern)
  return m and #m or 0
end

local mod = {}

function mod:validate_data(msg, accept, vctx)
  local score, fields, bytes = 0, 0, 0
  for _, name in ipairs(HEADERS) do
    for _, value in ipairs(msg:header(name)) do
      fields = fields + 1
      bytes = bytes + #value
      local lower = value:lower()
      for _, word in ipairs(SPAMMY) do
        if lower:find(word, 1, true) then score = score + 1 end
      end
    end
  end
  local subject = msg:header("Subject")[1] or ""
  if pcre.match(subject, "(?i)^\\s*re:") then score = score - 1 end
  if pcre.match(subject, "[!$]") then score = score + 1 end
  local words = 0
  for _ in subject:gmatch("%a+") do words = words + 1 end

  local links = count(msg, "https?://")
  local caps = count(msg, "[A-Z]{5,}")
  local phrases = count(msg, "(?i)\\b(?:viagra|free money|click here|unsubscribe|limited time|act now)\\b")
  local long = count(msg, "(?m)^[^\\r\\n]{120,}")
  score = score + math.floor(links / 5) + math.floor(caps / 20) + math.floor(phrases / 3)

  vctx:set(core.VCTX_MESS, "fields", fields)
  vctx:set(core.VCTX_MESS, "header_bytes", bytes)
  vctx:set(core.VCTX_MESS, "score", score .. "/" .. words .. "/" .. phrases .. "/" .. long)
  if score >= 8 then
    vctx:set_code(550, "5.7.1 Message looks like spam")
    return core.VALIDATE_DONE
  end
  vctx:set_code(250, "2.0.0 Accepted")
  return core.VALIDATE_CONT
end

msys.registerModule("heavy-pcre", mod)
