#!/usr/bin/env bash
# Builds the librdkafka Sluice links, from source, into a prefix of its own:
# $SLUICE_CACHE/librdkafka-<version> (SLUICE_CACHE defaults to ~/.cache/sluice).
# Idempotent: once built (a stamp file records the version and the source's
# checksum) it does nothing. scripts/deps.sh runs it; CMake looks there first
# (SLUICE_RDKAFKA_PREFIX in CMakeLists.txt).
#
# Why not Debian's librdkafka-dev: it is 2.0.2, whose consumer stops fetching
# a partition for a hard-coded second whenever its local queue is full
# (queued.min.messages or queued.max.messages.kbytes), so a sink slower than
# the broker, i.e. any sink doing real work, idles most of each second
# (librdkafka issue #2879; docs/benchmarks.md measured file-sink at 0.24-0.43 M
# records/s with it). 2.1 made that pause settable (fetch.queue.backoff.ms).
#
# Where the source comes from: the network here reaches package registries
# only, and the Rust registry's `rdkafka-sys` crate carries the librdkafka
# release (its librdkafka/ directory is the upstream release tree).
# scripts/crate.sh fetches it with cargo, pinned by version and SHA-256.
#
# Build needs (scripts/deps.sh installs them): cmake, a C compiler, and the
# headers of OpenSSL, zlib, zstd, lz4, Cyrus SASL and libcurl, as Debian's own
# librdkafka build uses them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(tr -d '[:space:]' < "$here/librdkafka-version")
crate_version="4.10.0+$version"
crate_sha256=e234cf318915c1059d4921ef7f75616b5219b10b46e9f3a511a15eb4b56a3f77
cache=${SLUICE_CACHE:-$HOME/.cache/sluice}
prefix=$cache/librdkafka-$version
stamp=$prefix/.sluice-built
want="librdkafka $version from rdkafka-sys-$crate_version sha256 $crate_sha256"

say() { echo "librdkafka: $*"; }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$prefix/lib/pkgconfig/rdkafka.pc" ]; then
  say "$version present in $prefix"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/librdkafka-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
crate=$(bash "$here/crate.sh" rdkafka-sys "$crate_version" "$crate_sha256") \
  || { echo "librdkafka: cannot get the rdkafka-sys $crate_version crate" >&2; exit 1; }
tar -xzf "$crate" -C "$work"
src=$work/rdkafka-sys-$crate_version/librdkafka
[ -f "$src/CMakeLists.txt" ] || { echo "librdkafka: no librdkafka/ source tree in $crate" >&2; exit 1; }

say "building $version into $prefix (about a minute on 2 cores)"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib -DRDKAFKA_BUILD_EXAMPLES=OFF -DRDKAFKA_BUILD_TESTS=OFF \
  -DWITH_SSL=ON -DWITH_SASL=ON -DWITH_ZLIB=ON -DWITH_ZSTD=ON -DENABLE_LZ4_EXT=ON -DWITH_CURL=ON \
  "${launcher[@]}" > "$work/configure.log" 2>&1 \
  || { tail -30 "$work/configure.log" >&2; echo "librdkafka: configure failed" >&2; exit 1; }
cmake --build "$work/build" -j"${JOBS:-2}" > "$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; echo "librdkafka: build failed" >&2; exit 1; }
rm -rf "$prefix"
cmake --install "$work/build" > "$work/install.log" 2>&1 \
  || { tail -30 "$work/install.log" >&2; echo "librdkafka: install failed" >&2; exit 1; }
echo "$want" > "$stamp"
say "$version installed in $prefix"
