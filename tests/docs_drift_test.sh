#!/usr/bin/env bash
# Fails when docs/plugins/*.md no longer match what the built plugins' own
# option tables generate (`make docs` regenerates them).
set -euo pipefail
src=${1:?source dir}
build=${2:?build dir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$src/scripts/gen-plugin-docs.sh" "$build/bin/sluice" "$tmp" > /dev/null
if ! diff -ru "$src/docs/plugins" "$tmp"; then
  echo "docs/plugins is out of date with the plugins' option tables: run 'make docs' and commit the result" >&2
  echo "docs-drift: 0 passed, 1 failed"
  exit 1
fi
echo "docs-drift: 1 passed, 0 failed"
