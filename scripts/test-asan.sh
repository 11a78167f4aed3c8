#!/bin/sh
# The test suite against an AddressSanitizer + UBSan build of both addons
# (`npm run test:asan`). The addons are built as the Debug configuration
# with -fsanitize=address,undefined (Lua 5.1 included; LuaJIT keeps its own
# allocator), loaded with SCRIPTLET_BUILD=Debug, and the sanitizer runtimes
# are preloaded, as node itself is not built with them. Any report fails the
# run (halt_on_error, no recovery). Leak checking is off: node keeps much
# alive at exit by design. The build files are configured back without the
# sanitizers at the end; `npm run build:debug` puts a plain Debug build back.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
reconfigure() {
  npx node-gyp configure >/dev/null 2>&1
  (cd engines/lua51 && npx node-gyp configure >/dev/null 2>&1)
}
trap 'SCRIPTLET_SANITIZE=0 reconfigure' EXIT
export SCRIPTLET_SANITIZE=1
reconfigure
build() {
  (cd "$1" && npx node-gyp build --debug -j max >build/asan-build.log 2>&1) || {
    tail -30 "$1/build/asan-build.log" >&2
    exit 1
  }
}
build .
build engines/lua51
asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
export LD_PRELOAD="$asan:$ubsan"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export SCRIPTLET_BUILD=Debug
files=${*:-test/engine/*.test.ts test/pool/*.test.ts test/cli/*.test.ts test/config/*.test.ts}
status=0
for engine in luajit lua51; do
  echo "== $engine (AddressSanitizer + UBSan)"
  SCRIPTLET_ENGINE=$engine node --import tsx --test --test-concurrency=2 --test-reporter=dot $files || status=1
done
exit $status
