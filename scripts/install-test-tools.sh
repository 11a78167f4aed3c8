#!/usr/bin/env bash
# The Debian packages some tests use against the real thing: Prometheus and
# promtool (metrics), and clang with its libFuzzer runtime (`npm run fuzz`,
# the coverage-guided fuzzer of the message parser). Without them those tests
# skip, naming the package; under CI=true they fail. Run as root (CI does).
set -euo pipefail
packages=()
command -v promtool >/dev/null || packages+=(prometheus)
# clang-14 is bookworm's; libclang-rt-14-dev holds libFuzzer and the sanitizers' runtimes.
if ! command -v clang++ >/dev/null || ! compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null; then
  packages+=(clang libclang-rt-14-dev)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
# The package starts a Prometheus service where an init system runs; tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl disable --now prometheus || true
fi
