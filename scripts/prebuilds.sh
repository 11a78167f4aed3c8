#!/bin/sh
# Prebuilt addons for this platform (linux-x64, tagged glibc), both engines,
# into prebuilds/ and engines/lua51/prebuilds/, which the tarball ships.
# Node-API: one build, made with the Node running this, loads on every
# supported Node. node-gyp builds against that Node's own headers (never a
# download): npm_config_nodedir, or the headers installed beside it.
set -eu
cd "$(dirname "$0")/.."
prefix=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$prefix/include/node/node_api.h" ]; then
  export npm_config_nodedir="$prefix"
fi
target=$(node -p process.versions.node)
bin=$(pwd)/node_modules/.bin
rm -rf prebuilds engines/lua51/prebuilds
"$bin/prebuildify" --napi --strip --tag-libc --target "$target"
(cd engines/lua51 && "$bin/prebuildify" --napi --strip --tag-libc --target "$target")
