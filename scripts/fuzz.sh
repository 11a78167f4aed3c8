#!/bin/sh
# Coverage-guided fuzzing of the native message parser with libFuzzer, under
# AddressSanitizer and UBSan (test/fuzz/message_parser_fuzzer.cpp).
#   npm run fuzz              60 seconds
#   npm run fuzz -- 600       as long as you like
# Needs clang++ with its libFuzzer runtime: scripts/install-test-tools.sh
# installs them (Debian: clang, libclang-rt-14-dev).
#
# It starts from the regression corpus, test/fuzz-corpus/message-parser/
# (read only), and writes what it finds new to build/fuzz/new/. A crash is
# written to build/fuzz/crash-* and the run fails. To keep new inputs, merge
# the smallest that add coverage into the corpus and commit them:
#   build/fuzz/message_parser_fuzzer -merge=1 test/fuzz-corpus/message-parser build/fuzz/new
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/build/fuzz"
seconds=${1:-${FUZZ_SECONDS:-60}}
cxx=${CXX_FUZZ:-clang++}
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: $cxx not found; install it with scripts/install-test-tools.sh (as root)" >&2
  exit 1
fi
mkdir -p "$out/new"
"$cxx" -g -O1 -std=gnu++17 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$here/native" "$here/test/fuzz/message_parser_fuzzer.cpp" "$here/native/message_view.cpp" \
  "$here/native/util/rfc2047.cpp" -o "$out/message_parser_fuzzer"
exec "$out/message_parser_fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -artifact_prefix="$out/" -print_final_stats=1 "$out/new" "$here/test/fuzz-corpus/message-parser"
