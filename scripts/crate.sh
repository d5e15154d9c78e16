#!/usr/bin/env bash
# Fetches one Rust crate by name and exact version with cargo (the Rust
# package registry's own client) into cargo's cache, checks its SHA-256, and
# prints the path of the .crate file (a gzipped tar of the crate's source).
# Some crates carry a C or C++ library's release tree (rdkafka-sys carries
# librdkafka's): scripts/librdkafka.sh gets its source this way.
#
#   scripts/crate.sh NAME VERSION SHA256
#
# Needs cargo (rustup's; CARGO_HOME as cargo itself reads it). cargo resolves
# the crate's own dependencies too and fetches them into the same cache; none
# is built. Exits 1 with a message when cargo is missing, the fetch fails or
# the checksum differs.
set -euo pipefail
name=${1:?usage: crate.sh NAME VERSION SHA256}
version=${2:?usage: crate.sh NAME VERSION SHA256}
sha256=${3:?usage: crate.sh NAME VERSION SHA256}

die() { echo "crate: $*" >&2; exit 1; }
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (cargo fetches the $name crate)"
cargo_home=${CARGO_HOME:-$HOME/.cargo}

find_crate() {
  local f
  for f in "$cargo_home"/registry/cache/*/"$name-$version.crate"; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

if ! crate=$(find_crate); then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/src"
  : > "$work/src/lib.rs"
  cat > "$work/Cargo.toml" <<EOF
[package]
name = "sluice-fetch-$name"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$name = { version = "=$version", default-features = false }
EOF
  echo "crate: fetching $name $version with cargo" >&2
  cargo fetch --quiet --manifest-path "$work/Cargo.toml" >&2 || die "cargo could not fetch $name $version"
  crate=$(find_crate) || die "cargo fetched $name $version but its .crate file is not under $cargo_home/registry/cache"
fi
echo "$sha256  $crate" | sha256sum -c --quiet - >/dev/null 2>&1 \
  || die "$crate does not have the pinned SHA-256 $sha256"
echo "$crate"
