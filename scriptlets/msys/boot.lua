-- msys.boot: the bootstrap module shipped with the scriptlet package.
--
-- The seed configuration loads it first, as in Momentum:
--
--   scriptlet "scriptlet" {
--     script "boot" { source = "msys.boot" }
--   }
--
-- so that an instance always has a valid module to load, even before any
-- policy is added. It does no per-message work: init() succeeds and every
-- phase goes on to the next module.
--
-- `msys` is a global provided by the engine; require("msys.core") returns the
-- same constants table as msys.core.

local core = require("msys.core")

local mod = {}

function mod:init()
  return core.VALIDATE_CONT
end

msys.registerModule("boot", mod)
