-- A scoring content filter on the decoded text of the message.
--
-- The rules below are PCRE patterns matched against msg:text(): every text
-- part, quoted-printable and base64 decoded and converted to UTF-8, so a
-- word split by a soft line break or hidden in base64 is still found.
-- Each match adds the rule's score (once per rule); the total goes into an
-- X-Spam-Score header, the rules that hit into X-Spam-Rules, and a message
-- that reaches THRESHOLD is refused with 550.

local core = require("msys.core")
local pcre = require("msys.pcre")
require("msys.extended.message")

local mod = {}

local THRESHOLD = 5.0

-- name, score, pattern (inline options: (?i) ignores case).
local RULES = {
  { "PHARMA",       3.0, "(?i)\\b(viagra|cialis|pharmacy)\\b" },
  { "URGENT_MONEY", 2.5, "(?i)\\burgent(ly)?\\b.{0,40}\\b(wire|transfer|payment)\\b" },
  { "CLICK_HERE",   1.0, "(?i)\\bclick\\s+here\\b" },
  { "LOTTERY",      2.0, "(?i)\\byou\\s+have\\s+won\\b" },
}

-- A sum of money with its unit: "$4.5 million", "USD 10,000,000".
local MONEY = "(?i)(?P<amount>(\\$|usd|eur)\\s?[0-9][0-9,.]*)\\s*(?P<unit>million|billion)?"

-- msg:text() is a string (one text part), an array (several) or nil.
local function text_parts(msg)
  local text = msg:text()
  if text == nil then return {} end
  if type(text) == "string" then return { text } end
  return text
end

function mod:validate_data(msg, accept, vctx)
  local score = 0
  local hits = {}

  for _, rule in ipairs(RULES) do
    local name, points, pattern = rule[1], rule[2], rule[3]
    local matches = msg:text_match(pattern)
    if matches then
      score = score + points
      hits[#hits + 1] = name
    end
  end

  -- Named groups: a big sum of money scores more than a small one.
  for _, text in ipairs(text_parts(msg)) do
    local m = pcre.match(text, MONEY)
    if m and m.unit then
      score = score + 2.0
      hits[#hits + 1] = "BIG_MONEY"
      print("content: " .. tostring(msg.id) .. " mentions " .. m.amount .. " " .. m.unit)
      break
    end
  end

  msg:header("X-Spam-Score", string.format("%.1f", score))
  if #hits != 0 then
    msg:header("X-Spam-Rules", table.concat(hits, ","))
  end
  vctx:set(core.VCTX_MESS, "spam_score", string.format("%.1f", score))

  if score >= THRESHOLD then
    vctx:set_code(550, string.format("5.7.1 Message content rejected (score %.1f)", score))
    return core.VALIDATE_DONE
  end
  return core.VALIDATE_CONT
end

msys.registerModule("content_filter", mod)
