#!/bin/sh
# Builds vendor/luajit as a static, position-independent library with its own
# Makefile, in a copy under the build directory so that vendor/ stays pristine.
#   build-luajit.sh OUT_DIR Release|Debug
# Leaves OUT_DIR/src/libluajit.a and the public headers in OUT_DIR/src.
set -eu
out=$1
config=${2:-Release}
here=$(cd "$(dirname "$0")/.." && pwd)

# LUAJIT_ENABLE_CHECKHOOK: count/line hooks also fire inside compiled traces,
# so the per-call instruction limit cannot be escaped by a JIT-hot loop.
# GC64 is the x64 default; stated so a reader need not look it up.
xcflags="-DLUAJIT_ENABLE_CHECKHOOK -DLUAJIT_ENABLE_GC64"
debug=""
if [ "$config" = "Debug" ]; then
  xcflags="$xcflags -DLUA_USE_APICHECK -DLUA_USE_ASSERT"
  debug="-g"
fi

stamp="$out/.build-flags"
want="$xcflags $debug"
if [ -f "$out/src/libluajit.a" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

rm -rf "$out"
mkdir -p "$out"
cp -R "$here/vendor/luajit/src" "$here/vendor/luajit/dynasm" "$here/vendor/luajit/Makefile" "$out/"
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
make -C "$out/src" -j"$jobs" BUILDMODE=static CFLAGS="-fPIC" CCDEBUG="$debug" \
  XCFLAGS="$xcflags" libluajit.a >"$out/build.log" 2>&1 || {
  tail -40 "$out/build.log" >&2
  echo "build-luajit.sh: LuaJIT build failed; full log in $out/build.log" >&2
  exit 1
}
printf '%s' "$want" >"$stamp"
