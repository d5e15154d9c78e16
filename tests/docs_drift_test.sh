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
# A connector page (docs/connectors/NAME.md) must mention every option of
# its plugin's table.
for page in "$src"/docs/connectors/*.md; do
  [ -f "$page" ] || continue
  name=$(basename "$page" .md)
  "$build/bin/sluice" describe "$name" >/dev/null 2>&1 || continue
  for opt in $("$build/bin/sluice" describe "$name" | sed -n 's/^  \([^ ]*\) (.*/\1/p'); do
    if ! grep -qF "\`$opt\`" "$page"; then
      echo "docs/connectors/$name.md does not document option '$opt'" >&2
      echo "docs-drift: 0 passed, 1 failed"
      exit 1
    fi
  done
done

# docs/connectors/NAME.md repeats the option table of docs/plugins/NAME.md:
# every table row of the generated page must appear in it, unchanged.
for page in "$src"/docs/connectors/*.md; do
  [ -e "$page" ] || continue
  gen="$tmp/$(basename "$page")"
  [ -f "$gen" ] || continue
  missing=$(grep '^|' "$gen" | while IFS= read -r row; do grep -qxF -- "$row" "$page" || echo "$row"; done)
  if [ -n "$missing" ]; then
    echo "$page: its option table differs from docs/plugins/$(basename "$page"); rows missing:" >&2
    echo "$missing" >&2
    echo "docs-drift: 0 passed, 1 failed"
    exit 1
  fi
done
echo "docs-drift: 1 passed, 0 failed"
