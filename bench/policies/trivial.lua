-- The trivial policy of the benchmarks: reads nothing, decides nothing. What
-- it costs is the engine's own per-call cost.
local core = require("msys.core")

local mod = {}

function mod:validate_data(msg, accept, vctx)
  return core.VALIDATE_CONT
end

msys.registerModule("trivial", mod)
