# The addon for the engine chosen at build time:
#   npm install                      LuaJIT 2.1 (default)
#   SCRIPTLET_LUA=lua51 npm install  PUC Lua 5.1.5
# engines/lua51/binding.gyp builds the Lua 5.1 addon beside it, so both
# engines can be loaded in one process (tests, benchmarks).
{
  'variables': {
    'scriptlet_lua%': '<!(node -p "process.env.SCRIPTLET_LUA || \'luajit\'")',
    # The benchmark's C driver is built only in a checkout (bench/ is not in
    # the package).
    'scriptlet_c_driver%': '<!(node -p "+require(\'fs\').existsSync(\'bench/c-driver/driver.cpp\')")',
  },
  'includes': ['native/addon.gypi'],
}
