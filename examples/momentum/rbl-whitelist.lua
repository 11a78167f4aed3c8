-- RBL check with a whitelist, at connect time.
--
--  * a client whose address is in the whitelist (rbl-whitelist.json: single
--    addresses and CIDR blocks, IPv4) is let through without a DNS query;
--  * any other IPv4 client is looked up in the DNS blocklist zone named in
--    the same file (the address reversed: 192.0.2.99 -> 99.2.0.192.ZONE);
--    a listed client gets "550 5.7.1" and the connection goes no further;
--  * a lookup that fails (timeout, SERVFAIL) lets the client in: a broken
--    blocklist must not stop the mail.
--
-- The whitelist is read once, when the policy loads; edit the file, then
-- reload (`scriptlet console ecelerity.conf config reload` under serve).

local core = require("msys.core")
local json = require("json")

local mod = {}

local SETTINGS_FILE = "rbl-whitelist.json"

local zone = nil        -- the blocklist's DNS zone
local whitelist = {}    -- { {net = n, mask = m, text = "10.0.0.0/8"}, ... }

-- "192.0.2.1" -> a 32-bit number (the bit operators' signed form), or nil.
local function ipv4_number(text)
  local a, b, c, d = string.match(text, "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if a == nil then return nil end
  a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
  if a > 255 or b > 255 or c > 255 or d > 255 then return nil end
  return (a << 24) | (b << 16) | (c << 8) | d
end

-- "10.0.0.0/8" or "198.51.100.25" -> {net, mask}, or nil when malformed.
local function parse_cidr(text)
  local addr, bits = string.match(text, "^([%d.]+)/(%d+)$")
  if addr == nil then addr, bits = text, "32" end
  local ip, prefix = ipv4_number(addr), tonumber(bits)
  if ip == nil or prefix > 32 then return nil end
  -- A /0 mask is all zeros; shifting by 32 would wrap to a shift by 0.
  local mask = 0
  if prefix != 0 then mask = ~0 << (32 - prefix) end
  return { net = ip & mask, mask = mask, text = text }
end

local function whitelisted(ip)
  for _, entry in ipairs(whitelist) do
    if ip & entry.mask == entry.net then return entry.text end
  end
  return nil
end

function mod:init()
  local text, err = msys.readfile(SETTINGS_FILE)
  if text == nil then error("rbl: cannot read " .. SETTINGS_FILE .. ": " .. tostring(err)) end
  local settings, code, message = json.decode(text)
  if settings == nil then error("rbl: " .. SETTINGS_FILE .. ": " .. tostring(message)) end
  zone = settings.zone
  for _, item in ipairs(settings.whitelist or {}) do
    local entry = parse_cidr(item)
    if entry == nil then error("rbl: " .. SETTINGS_FILE .. ": bad whitelist entry '" .. tostring(item) .. "'") end
    whitelist[#whitelist + 1] = entry
  end
  print("rbl: zone " .. tostring(zone) .. ", " .. #whitelist .. " whitelist entries")
end

function mod:validate_connect(accept, vctx)
  local client = msys.expandMacro("%{i}")
  local ip = ipv4_number(client)
  if ip == nil or zone == nil then
    return core.VALIDATE_CONT            -- IPv6 (or nothing to check against)
  end

  local entry = whitelisted(ip)
  if entry != nil then
    vctx:set(core.VCTX_CONN, "rbl", "whitelisted " .. entry)
    return core.VALIDATE_CONT
  end

  local a, b, c, d = string.match(client, "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  local query = d .. "." .. c .. "." .. b .. "." .. a .. "." .. zone
  local answers, err = msys.dnsLookup(query, "A")
  if answers ~= nil and #answers != 0 then
    -- Listed: the answer (127.0.0.x) says which list of the zone.
    vctx:set(core.VCTX_CONN, "rbl", "listed " .. answers[1])
    vctx:set_code(550, "5.7.1 " .. client .. " is listed in " .. zone .. " (" .. answers[1] .. ")")
    return core.VALIDATE_DONE
  end
  if err != "NXDOMAIN" then
    print("rbl: lookup of " .. query .. " failed (" .. tostring(err) .. "): client let in")
  end
  vctx:set(core.VCTX_CONN, "rbl", "clean")
  return core.VALIDATE_CONT
end

msys.registerModule("rbl_whitelist", mod)
