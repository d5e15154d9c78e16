#!/usr/bin/env bash
# Installs the Debian 12 packages Sluice needs to build, test and run.
# Idempotent: only packages that are missing are installed.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config curl ca-certificates python3
  librdkafka-dev libboost1.81-dev libboost-json1.81-dev
  libcivetweb-dev prometheus-cpp-dev librocksdb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libcurl4-openssl-dev libssl-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
