# The PUC Lua 5.1.5 addon, built beside the default (LuaJIT) one so that both
# engines can be used in one process. See ../../binding.gyp.
{
  'variables': {
    'scriptlet_lua': 'lua51',
    'scriptlet_c_driver%': '<!(node -p "+require(\'fs\').existsSync(\'../../bench/c-driver/driver.cpp\')")',
  },
  'includes': ['../../native/addon.gypi'],
}
