#!/usr/bin/env bash
# Refreshes the option tables inside the pages of a docs directory
# (docs/connectors/*.md, docs/*.md) from the plugins' own option tables
# (`sluice describe NAME --markdown`). A page marks where its table goes with
#
#   <!-- BEGIN options: redis-sink -->
#   <!-- END options -->
#
# and everything between the markers is replaced; `--worker` as the name
# gives the worker config's tables (`sluice describe --worker --markdown`). With --check nothing is
# written: the script prints the difference and exits 1 when a page is out of
# date (ctest docs.ConnectorDocsMatchOptionTables).
#
#   scripts/gen-connector-docs.sh SLUICE_BINARY DOCS_DIR [--check]
set -euo pipefail
sluice=${1:?usage: gen-connector-docs.sh SLUICE_BINARY DOCS_DIR [--check]}
dir=${2:?usage: gen-connector-docs.sh SLUICE_BINARY DOCS_DIR [--check]}
check=${3:-}
SLUICE="$sluice" python3 - "$dir" "$check" <<'PY'
import difflib, os, re, subprocess, sys, glob
d, check = sys.argv[1], sys.argv[2] == "--check"
pat = re.compile(r"(<!-- BEGIN options: ([\w.$-]+) -->\n)(.*?)(<!-- END options -->)", re.S)
stale = 0
for page in sorted(glob.glob(os.path.join(d, "*.md"))):
    text = open(page).read()
    def table(m):
        md = subprocess.run([os.environ["SLUICE"], "describe", m.group(2), "--markdown"],
                            check=True, capture_output=True, text=True).stdout
        start = md.find("| option |")
        if start < 0:
            sys.exit(f"{page}: `sluice describe {m.group(2)} --markdown` has no option table")
        return m.group(1) + md[start:].rstrip("\n") + "\n" + m.group(4)
    new = pat.sub(table, text)
    if new == text:
        continue
    stale += 1
    if check:
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True), page, page + " (generated)"))
    else:
        open(page, "w").write(new)
        print(f"updated {page}")
if check and stale:
    print(f"{stale} page(s) in {d} out of date with the plugins' option tables: run 'make docs' and commit", file=sys.stderr)
    print("connector-docs: 0 passed, 1 failed")
    sys.exit(1)
if check:
    print("connector-docs: 1 passed, 0 failed")
PY
