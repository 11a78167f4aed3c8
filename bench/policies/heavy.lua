-- The heavy policy of the benchmarks: twenty header lookups, Lua string work
-- on what they return (lower-casing, patterns, a tally of words), a scan of
-- the body, context writes and a verdict.
local core = require("msys.core")

local HEADERS = {
  "Subject", "From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Message-ID",
  "In-Reply-To", "References", "Date", "Received", "Content-Type", "MIME-Version",
  "X-Mailer", "User-Agent", "List-Id", "Precedence", "X-Spam-Status", "DKIM-Signature",
}

local SPAMMY = { "free", "money", "click", "offer", "winner", "viagra", "mortgage", "unsubscribe" }

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
  local subject = (msg:header("Subject")[1] or ""):lower()
  if subject:match("^%s*re:") then score = score - 1 end
  if subject:match("[!$]") then score = score + 1 end
  local words = 0
  for _ in subject:gmatch("%a+") do words = words + 1 end

  -- The body: links, shouting, and how long its lines get.
  local body = msg:body()
  local links, caps, longest = 0, 0, 0
  for _ in body:gmatch("https?://") do links = links + 1 end
  for _ in body:gmatch("%u%u%u%u%u+") do caps = caps + 1 end
  for line in body:gmatch("[^\n]*") do
    if #line > longest then longest = #line end
  end
  score = score + math.floor(links / 5) + math.floor(caps / 20)

  vctx:set(core.VCTX_MESS, "fields", fields)
  vctx:set(core.VCTX_MESS, "header_bytes", bytes)
  vctx:set(core.VCTX_MESS, "score", score .. "/" .. words .. "/" .. longest)
  if score >= 8 then
    vctx:set_code(550, "5.7.1 Message looks like spam")
    return core.VALIDATE_DONE
  end
  vctx:set_code(250, "2.0.0 Accepted")
  return core.VALIDATE_CONT
end

msys.registerModule("heavy", mod)
