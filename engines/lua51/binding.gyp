# The PUC Lua 5.1.5 addon, built beside the default (LuaJIT) one so that both
# engines can be used in one process. See ../../binding.gyp.
{
  'variables': {
    'scriptlet_lua': 'lua51',
  },
  'includes': ['../../native/addon.gypi'],
}
