#!/bin/sh
# Coverage-guided fuzzing of the MIME tree (native/mime) with libFuzzer,
# under AddressSanitizer and UBSan (test/fuzz/mime_parser_fuzzer.cpp); the
# same way as scripts/fuzz.sh fuzzes the message parser.
#   sh scripts/fuzz-mime.sh          60 seconds
#   sh scripts/fuzz-mime.sh 600      as long as you like
# Starts from test/fuzz-corpus/mime-parser/ (read only), writes what it finds
# to build/fuzz-mime/new/; merge the inputs worth keeping with
#   build/fuzz-mime/mime_parser_fuzzer -merge=1 test/fuzz-corpus/mime-parser build/fuzz-mime/new
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/build/fuzz-mime"
seconds=${1:-${FUZZ_SECONDS:-60}}
cxx=${CXX_FUZZ:-clang++}
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz-mime: $cxx not found; install it with scripts/install-test-tools.sh (as root)" >&2
  exit 1
fi
mkdir -p "$out/new"
n="$here/native"
"$cxx" -g -O1 -std=gnu++17 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$n" "$here/test/fuzz/mime_parser_fuzzer.cpp" "$n/message_view.cpp" "$n/util/rfc2047.cpp" \
  "$n/mime/mime_codecs.cpp" "$n/mime/mime_params.cpp" "$n/mime/mime_tree.cpp" "$n/mime/mime_edit.cpp" \
  "$n/mime/mime_text.cpp" -o "$out/mime_parser_fuzzer"
exec "$out/mime_parser_fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -artifact_prefix="$out/" -print_final_stats=1 "$out/new" "$here/test/fuzz-corpus/mime-parser"
