# Shared by ./binding.gyp (engine chosen by SCRIPTLET_LUA, LuaJIT by default)
# and engines/lua51/binding.gyp (always PUC Lua 5.1.5). Paths in this file are
# relative to it; gyp rebases them for the including file.
#
# Targets:
#   lua            the engine, from the untouched sources in vendor/
#   pcre2          PCRE2 (8-bit, Unicode, JIT) from the untouched sources in
#                  vendor/pcre2, for msys.pcre and msg:*_match/*_replace
#   scriptlet_core everything native that does not touch Node-API: Lua master
#                  state, spare threads, message view, verdict, the Lua API
#   scriptlet      the Node-API addon (scriptlet.node), loaded by node-gyp-build
#   c_driver       bench/c-driver: the policy straight through lua_pcall, the
#                  core the addon is measured against. A repo-only target:
#                  bench/ is not shipped, so the including binding.gyp sets
#                  scriptlet_c_driver to 1 only where bench/ exists.
{
  'variables': {
    'luajit_build_script_path': '../scripts/build-luajit.sh',
    'vendor_luajit_dir': '../vendor/luajit/src',
    'vendor_lua51_dir': '../vendor/lua51/src',
    'vendor_pcre2_dir': '../vendor/pcre2/src',
    # SCRIPTLET_SANITIZE=1: AddressSanitizer and UBSan in the addon and in
    # Lua 5.1 (scripts/test-asan.sh); LuaJIT keeps its own allocator.
    'scriptlet_sanitize%': '<!(node -p "process.env.SCRIPTLET_SANITIZE || \'0\'")',
  },
  'target_defaults': {
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti'],
    'cflags': ['-fPIC', '-Wall'],
    'cflags_cc': ['-std=gnu++17', '-fexceptions'],
    'configurations': {
      'Debug': {
        'defines': ['SCRIPTLET_DEBUG=1', 'LUA_USE_APICHECK', 'LUA_USE_ASSERT'],
        'defines!': ['NDEBUG'],
        'cflags': ['-O0', '-g'],
      },
      'Release': {
        'defines': ['NDEBUG'],
        'cflags': ['-O2'],
      },
    },
    'conditions': [
      ['scriptlet_sanitize=="1"', {
        'cflags': ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined'],
        'ldflags': ['-fsanitize=address,undefined'],
      }],
      ['scriptlet_lua=="luajit"', {
        'defines': ['SCRIPTLET_LUAJIT=1'],
        'include_dirs': ['<(PRODUCT_DIR)/luajit/src'],
      }, {
        'defines': ['SCRIPTLET_LUA51=1', 'SCRIPTLET_LUA_AS_CXX=1'],
        'include_dirs': ['<(vendor_lua51_dir)'],
      }],
    ],
  },
  'targets': [
    {
      'target_name': 'lua',
      'conditions': [
        ['scriptlet_lua=="luajit"', {
          'type': 'none',
          'actions': [{
            'action_name': 'build_luajit',
            'inputs': ['<(luajit_build_script_path)'],
            'outputs': ['<(PRODUCT_DIR)/luajit/src/libluajit.a'],
            'action': ['sh', '<(luajit_build_script_path)', '<(PRODUCT_DIR)/luajit', '<(CONFIGURATION_NAME)'],
            'message': 'Building LuaJIT from vendor/luajit',
          }],
          'direct_dependent_settings': {
            'libraries': ['<(PRODUCT_DIR)/luajit/src/libluajit.a', '-lm', '-ldl'],
          },
        }, {
          # PUC Lua is compiled as C++ (see native/lua51/lua51_as_cxx.cpp).
          'type': 'static_library',
          'defines': ['LUA_USE_POSIX'],
          'include_dirs': ['<(vendor_lua51_dir)'],
          'cflags': ['-w'],
          'sources': ['lua51/lua51_as_cxx.cpp'],
          'direct_dependent_settings': { 'libraries': ['-lm'] },
        }],
      ],
    },
    {
      # PCRE2 10.42 as C, configured by native/pcre/config/ (config.h,
      # pcre2.h and pcre2_chartables.c wrap the release's .generic/.dist
      # files, so vendor/ is never written to). pcre2_jit_compile.c
      # #includes sljit and the JIT matcher; pcre2_tables.c the UCP tables.
      'target_name': 'pcre2',
      'type': 'static_library',
      'defines': ['HAVE_CONFIG_H', 'PCRE2_CODE_UNIT_WIDTH=8', 'PCRE2_STATIC'],
      'include_dirs': ['pcre/config', '<(vendor_pcre2_dir)'],
      'cflags': ['-w'],
      'sources': [
        'pcre/config/pcre2_chartables.c',
        '<(vendor_pcre2_dir)/pcre2_auto_possess.c',
        '<(vendor_pcre2_dir)/pcre2_compile.c',
        '<(vendor_pcre2_dir)/pcre2_config.c',
        '<(vendor_pcre2_dir)/pcre2_context.c',
        '<(vendor_pcre2_dir)/pcre2_convert.c',
        '<(vendor_pcre2_dir)/pcre2_dfa_match.c',
        '<(vendor_pcre2_dir)/pcre2_error.c',
        '<(vendor_pcre2_dir)/pcre2_extuni.c',
        '<(vendor_pcre2_dir)/pcre2_find_bracket.c',
        '<(vendor_pcre2_dir)/pcre2_jit_compile.c',
        '<(vendor_pcre2_dir)/pcre2_maketables.c',
        '<(vendor_pcre2_dir)/pcre2_match.c',
        '<(vendor_pcre2_dir)/pcre2_match_data.c',
        '<(vendor_pcre2_dir)/pcre2_newline.c',
        '<(vendor_pcre2_dir)/pcre2_ord2utf.c',
        '<(vendor_pcre2_dir)/pcre2_pattern_info.c',
        '<(vendor_pcre2_dir)/pcre2_script_run.c',
        '<(vendor_pcre2_dir)/pcre2_serialize.c',
        '<(vendor_pcre2_dir)/pcre2_string_utils.c',
        '<(vendor_pcre2_dir)/pcre2_study.c',
        '<(vendor_pcre2_dir)/pcre2_substitute.c',
        '<(vendor_pcre2_dir)/pcre2_substring.c',
        '<(vendor_pcre2_dir)/pcre2_tables.c',
        '<(vendor_pcre2_dir)/pcre2_ucd.c',
        '<(vendor_pcre2_dir)/pcre2_valid_utf.c',
        '<(vendor_pcre2_dir)/pcre2_xclass.c',
      ],
      'direct_dependent_settings': {
        'defines': ['PCRE2_CODE_UNIT_WIDTH=8', 'PCRE2_STATIC'],
        'include_dirs': ['pcre/config', '<(vendor_pcre2_dir)'],
      },
    },
    {
      'target_name': 'scriptlet_core',
      'type': 'static_library',
      'dependencies': ['lua', 'pcre2'],
      'export_dependent_settings': ['lua', 'pcre2'],
      'sources': [
        'master_state.cpp',
        'master_loading.cpp',
        'spare_thread_cache.cpp',
        'message_view.cpp',
        'call_context.cpp',
        'lua_call_handle.cpp',
        'lua_msys.cpp',
        'lua_message.cpp',
        'lua_vctx.cpp',
        'lua_message_envelope.cpp',
        'lua_message_inject.cpp',
        'lua_vctx_recipients.cpp',
        'lua_accept.cpp',
        'util/mime_builder.cpp',
        'lua_loaders.cpp',
        'lua_sandbox.cpp',
        'lua_json.cpp',
        'lua_json_decode.cpp',
        'lua_json_encode.cpp',
        'lua_idn.cpp',
        'lua_msys_extras.cpp',
        'lua_msys_config.cpp',
        'data_files.cpp',
        'lua_share.cpp',
        'lua_embedded_libs.cpp',
        'lua_unavailable.cpp',
        'lua_mime.cpp',
        'lua_mime_edit.cpp',
        'lua_codecs.cpp',
        'mime/mime_codecs.cpp',
        'mime/mime_params.cpp',
        'mime/mime_tree.cpp',
        'mime/mime_edit.cpp',
        'mime/mime_call.cpp',
        'mime/mime_text.cpp',
        'util/rfc2047.cpp',
        'util/address_list.cpp',
        'util/lua_errors.cpp',
        'guard_rails.cpp',
        'hook_watchdog.cpp',
        'lua_bit.cpp',
        'dialect/lua_lexer.cpp',
        'dialect/dialect_parser.cpp',
        'dialect/momentum_dialect.cpp',
        'dialect/dialect_runtime.cpp',
        'lua_binding.cpp',
        'lua_routing.cpp',
        'lua_expand_macro.cpp',
        'lua_auth.cpp',
        'standard_context.cpp',
        'pcre/pattern_cache.cpp',
        'lua_pcre.cpp',
        'lua_message_pcre.cpp',
        'lua_mime_pcre.cpp',
        'lua_mime_replace.cpp',
        'cidr/ip_address.cpp',
        'cidr/cidr_table.cpp',
        'cidr/rbldnsd_file.cpp',
        'cidr/cidr_registry.cpp',
        'lua_cidr.cpp',
        'lua_db.cpp',
        'lua_http_client.cpp',
        'state/state_key.cpp',
        'state/shared_series.cpp',
        'state/shared_store.cpp',
        'state/snapshot.cpp',
        'state/lua_state_args.cpp',
        'state/series_replica.cpp',
        'lua_audit_series.cpp',
        'lua_audit.cpp',
        'lua_counter.cpp',
        'lua_shared_state.cpp',
      ],
    },
    {
      'target_name': 'scriptlet',
      'dependencies': ['scriptlet_core', "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      # A worker thread that ends (process.exit, worker.terminate) in the
      # middle of a call makes the addon's Node-API calls fail, and the error
      # cannot be thrown into JS any more: without this, node-addon-api throws
      # it again as a C++ exception out of its callback wrapper, and the
      # process aborts (exit 134) instead of ending as asked.
      'defines': ['NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
      'sources': [
        'napi/addon.cpp',
        'napi/master_object.cpp',
        'napi/call_input.cpp',
        'napi/packed_input.cpp',
        'napi/batch_text.cpp',
        'napi/verdict_js.cpp',
        'napi/state_host.cpp',
        'napi/cidr_datasource_host.cpp',
        'napi/replication_host.cpp',
        'napi/durable_write.cpp',
      ],
    },
  ],
  'conditions': [
    ['scriptlet_c_driver==1', {
      'targets': [{
        'target_name': 'c_driver',
        'type': 'executable',
        'dependencies': ['scriptlet_core'],
        'sources': ['../bench/c-driver/driver.cpp'],
      }, {
        # bench/floor: the bench policies on bare Lua (no scriptlet_core)
        # with the narrowest API that runs them, for the suite's "x floor";
        # repo-only, like c_driver.
        'target_name': 'floor',
        'type': 'executable',
        'dependencies': ['lua'],
        'sources': ['../bench/floor/floor.cpp', 'util/rfc2047.cpp'],
      }],
    }],
  ],
}
