-- The part of the scriptlet Lua API the reference policies use, for the Lua
-- engines that cannot load the native one (wasmoon, fengari). It is the
-- same for both: msg and vctx are Lua objects over four host functions that
-- the JS side (peer-vms.ts, over mail-view.ts) provides:
--   __host_header(name) -> { value, ... }   decoded, a new table each call
--   __host_body() -> string
--   __host_set(key, value)                   message context, strings
--   __host_set_code(code, text)
local header, body, set, set_code = __host_header, __host_body, __host_set, __host_set_code

local core = {
  VALIDATE_CONT = 0, VALIDATE_DONE = 1, VALIDATE_AGAIN = 2,
  VCTX_MESS = 0, VCTX_CONN = 1, ECMESS_CTX_MESS = 0, ECMESS_CTX_CONN = 1,
}
package.loaded["msys.core"] = core

local module
msys = { core = core, registerModule = function(_, mod) module = mod end }

local msg = {}
function msg:header(name) return header(name) end
function msg:body() return body() end

local vctx = {}
function vctx:set(_, key, value) set(key, tostring(value)) end
function vctx:set_code(code, text) set_code(code, text) end

local accept = { remote_addr = "192.0.2.7" }

-- One message through the registered module's validate_data.
function __validate_data()
  return module:validate_data(msg, accept, vctx)
end
