#!/usr/bin/env bash
# The Debian packages some tests use against the real thing: Prometheus and
# promtool (metrics), clang with its libFuzzer runtime (`npm run fuzz`, the
# coverage-guided fuzzer of the message parser), and Postfix with swaks (the
# milter's end-to-end tests and bench/milter/: each starts its own Postfix
# instance in a temporary directory), redis-server and PostgreSQL (the shared
# state's Redis backend and the datasources: tests start their own servers on
# loopback), Chromium (the policy editor's browser tests) and Sendmail (the
# milter's tests behind Sendmail; see install_sendmail). Without them those
# tests skip, naming the package; under CI=true they fail. Run as root (CI does).
set -euo pipefail
packages=()
command -v promtool >/dev/null || packages+=(prometheus)
# clang-14 is bookworm's; libclang-rt-14-dev holds libFuzzer and the sanitizers' runtimes.
if ! command -v clang++ >/dev/null || ! compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null; then
  packages+=(clang libclang-rt-14-dev)
fi
# postfix ships smtp-source (the benchmark's load) and postconf; swaks is the tests' SMTP client.
postfix_missing=0
command -v /usr/sbin/postfix >/dev/null || { packages+=(postfix); postfix_missing=1; }
command -v swaks >/dev/null || packages+=(swaks)
# swaks's --tls (the STARTTLS and AUTH tests) needs Net::SSLeay.
perl -MNet::SSLeay -e1 2>/dev/null || packages+=(libnet-ssleay-perl)
command -v redis-server >/dev/null || packages+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || packages+=(postgresql)
command -v chromium >/dev/null || packages+=(chromium)
# Sendmail's own run-time needs (m4 builds its sendmail.cf from the test's .mc).
command -v m4 >/dev/null || packages+=(m4)
compgen -G '/usr/lib/x86_64-linux-gnu/libwrap.so.0*' >/dev/null || packages+=(libwrap0)
export DEBIAN_FRONTEND=noninteractive

# Sendmail cannot be installed beside Postfix (each is the system's MTA: the
# packages conflict), so its packages are unpacked, not installed, into
# SENDMAIL_ROOT: the binary and the m4 files that make a sendmail.cf. The
# tests run it from there with a configuration of their own.
SENDMAIL_ROOT=${SENDMAIL_ROOT:-/opt/scriptlet-test-tools/sendmail}  # test/milter/sendmail-instance.ts reads the same
install_sendmail() {
  [ -x "$SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" ] && [ -f "$SENDMAIL_ROOT/usr/share/sendmail/cf/m4/cf.m4" ] && return 0
  local debs
  debs=$(mktemp -d)
  chmod 755 "$debs"
  (cd "$debs" && { apt-get download sendmail-bin sendmail-cf >/dev/null 2>&1 || { apt-get update -qq && apt-get download sendmail-bin sendmail-cf >/dev/null; }; })
  mkdir -p "$SENDMAIL_ROOT"
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$SENDMAIL_ROOT"; done
  # Installed, it is setgid smmsp; run by root from a test, it needs no group.
  chmod g-s "$SENDMAIL_ROOT/usr/libexec/sendmail/sendmail"
  rm -rf "$debs"
}

if [ ${#packages[@]} -eq 0 ]; then
  install_sendmail
  exit 0
fi
if [ "$postfix_missing" = 1 ]; then
  # No system configuration: the tests write their own main.cf in a temporary directory.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
# The packages start services where an init system runs; tests start their own.
for service in prometheus postfix redis-server postgresql; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl disable --now "$service" || true
  fi
done
# Without systemd, a Postfix started by the package's scripts is stopped here (it is not, with "No configuration").
if [ "$postfix_missing" = 1 ] && [ -f /etc/postfix/main.cf ] && /usr/sbin/postfix status >/dev/null 2>&1; then
  /usr/sbin/postfix stop || true
fi
install_sendmail
