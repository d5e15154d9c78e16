#!/usr/bin/env bash
# The Python tools of the test suite (schemathesis, for the REST API's
# OpenAPI test), in a venv of their own made from Debian's python3, with the
# exact versions of scripts/py-requirements.txt from PyPI.
# Idempotent: does nothing when the venv already holds those versions.
#
#   scripts/py-tools.sh              install or update the venv
#   scripts/py-tools.sh --run CMD .. then run CMD with the venv's bin/ first
#                                    on PATH (python, schemathesis)
#   scripts/py-tools.sh --print-venv print the venv's directory
#
# The venv is $SLUICE_VENV, default ~/.cache/sluice/venv. When PyPI cannot be
# reached the install fails and says so (exit 1): the tests that need these
# tools then fail, they are never skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements=$here/py-requirements.txt
venv=${SLUICE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/venv}
python=/usr/bin/python3  # Debian's (scripts/deps.sh), not whatever is first on PATH
stamp=$venv/.sluice-requirements

run=()
case "${1:-}" in
  "") ;;
  --print-venv) echo "$venv"; exit 0 ;;
  --run)
    shift
    [ $# -gt 0 ] || { echo "usage: py-tools.sh [--run CMD ARGS... | --print-venv]" >&2; exit 64; }
    run=("$@") ;;
  *) echo "usage: py-tools.sh [--run CMD ARGS... | --print-venv]" >&2; exit 64 ;;
esac

say() { echo "py-tools: $*" >&2; }

# Up to date: the stamp holds the requirements file the venv was made from.
up_to_date() { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$requirements"; }

install() {
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    say "$python cannot make a venv: installing the Debian packages (scripts/deps.sh)"
    bash "$here/deps.sh"
  fi
  # From scratch each time: a venv left half-installed by an interrupted run
  # is never reused (the stamp is written last).
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
  say "installing $(grep -c '^[A-Za-z].*==' "$requirements") pinned packages from PyPI into $venv"
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      --timeout 30 --retries 2 -r "$requirements"; then
    say "FAILED to install from PyPI (is the Python package index reachable?); the schemathesis test cannot run"
    exit 1
  fi
  "$venv/bin/schemathesis" --version >&2
  cp "$requirements" "$stamp"
}

if ! up_to_date; then
  mkdir -p "$(dirname "$venv")"
  # One installer at a time (ctest -j, two make test in parallel).
  exec 9>"$venv.lock"
  flock 9
  up_to_date || install
  flock -u 9
fi
say "ready in $venv ($(grep '^schemathesis==' "$requirements"))"

if [ ${#run[@]} -gt 0 ]; then
  export PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv"
  exec "${run[@]}"
fi
