-- The corpus probe: what a script sees of the headers the differential test
-- compares with mailparser. For each name, the context key "h:<name>" gets
-- "<count>:<value>,<value>,...", every value (as msg:header gives it) in hex,
-- so that any byte, 8-bit or not, comes back exactly. "a:<name>" does the
-- same for msg:address_header(name) on the address headers.
local core = require("msys.core")

local HEADERS = { "Subject", "From", "To", "Received", "Message-ID", "Content-Type" }
local ADDRESS_HEADERS = { "From", "To" }

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function list(t)
  local out = {}
  for i, v in ipairs(t) do out[i] = hex(v) end
  return #t .. ":" .. table.concat(out, ",")
end

local mod = {}

function mod:validate_data(msg, accept, vctx)
  for _, name in ipairs(HEADERS) do
    vctx:set(core.VCTX_MESS, "h:" .. name, list(msg:header(name)))
  end
  for _, name in ipairs(ADDRESS_HEADERS) do
    vctx:set(core.VCTX_MESS, "a:" .. name, list(msg:address_header(name)))
  end
  return core.VALIDATE_CONT
end

msys.registerModule("probe", mod)
