#!/usr/bin/env bash
# Installs the Debian 12 packages Sluice needs to build, test and run.
# Idempotent: only packages that are missing are installed.
#
# libssl-dev is also a run-time need: civetweb loads OpenSSL for the https://
# REST listeners with dlopen("libssl.so"), a name only the -dev package
# provides. openssl (the CLI) and curl make the TLS tests' certificates and
# requests.
#
# prometheus (the server, with promtool) is a test need: tests check /metrics
# with `promtool check metrics`, the alert rules with `promtool check rules`,
# and one test lets a real Prometheus scrape a running sluice
# (scripts/prometheus.sh). The package's own service is never started by us.
#
#   scripts/deps.sh            the C++ build, test and run dependencies
#   scripts/deps.sh --kafka    also Java 17 and Maven, for the real Kafka broker
#                              and Kafka Connect (scripts/kafka.sh, scripts/connect.sh);
#                              KAFKA_DEPS=1 does the same
#   scripts/deps.sh --postgres also the PostgreSQL 15 server and psql, for the
#                              postgres-sink tests (scripts/postgres.sh);
#                              POSTGRES_DEPS=1 does the same
#
# libpq-dev (the PostgreSQL client library) is a build need: the postgres-sink
# plugin links it.
#   scripts/deps.sh --redis    also Redis 7 (redis-server, and redis-tools for
#                              redis-cli and redis-benchmark), for scripts/redis.sh
#   scripts/deps.sh --memcached  also memcached, for scripts/memcached.sh, and
#                              libmemcached-tools for its load tool memaslap (named
#                              memcaslap on Debian 12; bench/e2e/memcached_sink_throughput.sh)
#
# libhiredis-dev and libmemcached-dev build the redis-sink and memcached-sink
# plugins; libcurl4-openssl-dev also builds http-sink. The servers' packages
# enable and start a system service (6379, 11211): the tests run their own on
# other ports (scripts/redis.sh, scripts/memcached.sh), so when this run
# installed one, its service is turned off again.
#   scripts/deps.sh --profiling  also valgrind, for the instruction counts of
#                              the micro benchmarks (bench/micro/instructions.py,
#                              make bench-instructions)
#   scripts/deps.sh --rabbitmq also Debian's rabbitmq-server, for the rabbitmq-source
#                              integration tests (scripts/rabbitmq.sh starts its own
#                              instance; the package's service is stopped and disabled);
#                              RABBITMQ_DEPS=1 does the same
#
# librdkafka is not Debian's (2.0.2): after the packages, scripts/librdkafka.sh
# builds the pinned release into ~/.cache/sluice (see that script for why);
# liblz4-dev, libzstd-dev, libsasl2-dev (with zlib1g-dev, libssl-dev and
# libcurl4-openssl-dev) are its build needs. SKIP_LIBRDKAFKA=1 leaves it out.
set -euo pipefail

build_librdkafka() {
  [ "${SKIP_LIBRDKAFKA:-0}" = 1 ] || bash "$(dirname "${BASH_SOURCE[0]}")/librdkafka.sh"
}

PKGS=(
  build-essential cmake pkg-config curl ca-certificates python3 python3-venv
  liblz4-dev libzstd-dev libsasl2-dev libboost1.81-dev libboost-json1.81-dev
  libcivetweb-dev prometheus-cpp-dev librocksdb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libcurl4-openssl-dev libssl-dev
  openssl prometheus libpq-dev
  libhiredis-dev libmemcached-dev librabbitmq-dev
)

# Only with --kafka (on top of the list above, which has python3 and curl):
# Apache Kafka 4.x needs Java 17+ and is assembled from Maven Central with mvn;
# util-linux (flock, setsid) and procps (pgrep) are on every Debian but are
# listed so that a slim image gets them too.
KAFKA_PKGS=(openjdk-17-jdk-headless maven util-linux procps)
REDIS_PKGS=(redis-server redis-tools)
MEMCACHED_PKGS=(memcached libmemcached-tools)
PROFILING_PKGS=(valgrind)

# Only with --postgres: the server scripts/postgres.sh runs (its own cluster
# under /tmp, as the `postgres` OS user the package creates) and psql.
POSTGRES_PKGS=(postgresql-15 postgresql-client-15 util-linux)

# Only with --rabbitmq: the broker the rabbitmq-source tests run (Erlang comes
# with it).
RABBITMQ_PKGS=(rabbitmq-server)

kafka=${KAFKA_DEPS:-0}
rabbitmq=${RABBITMQ_DEPS:-0}
extra=()
if [ "${POSTGRES_DEPS:-0}" = 1 ]; then extra+=("${POSTGRES_PKGS[@]}"); fi
for a in "$@"; do
  case "$a" in
    --kafka) kafka=1 ;;
    --postgres) extra+=("${POSTGRES_PKGS[@]}") ;;
    --redis) extra+=("${REDIS_PKGS[@]}") ;;
    --memcached) extra+=("${MEMCACHED_PKGS[@]}") ;;
    --profiling) extra+=("${PROFILING_PKGS[@]}") ;;
    --rabbitmq) rabbitmq=1 ;;
    *) echo "usage: deps.sh [--kafka] [--postgres] [--redis] [--memcached] [--profiling] [--rabbitmq]" >&2; exit 64 ;;
  esac
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# A Java 17+ or an mvn already on PATH (say from SDKMAN) is good enough too.
have_java17() {
  local j=java v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then j=$JAVA_HOME/bin/java; fi
  v=$("$j" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}') || return 1
  v=${v#1.}
  v=${v%%[.+-]*}
  [ "${v:-0}" -ge 17 ] 2>/dev/null
}

missing=()
for p in "${PKGS[@]}"; do
  installed "$p" || missing+=("$p")
done
total=${#PKGS[@]}
if [ "$kafka" = 1 ]; then
  total=$((total + ${#KAFKA_PKGS[@]}))
  for p in "${KAFKA_PKGS[@]}"; do
    installed "$p" && continue
    case "$p" in
      openjdk-17-jdk-headless) have_java17 && command -v javac >/dev/null && continue ;;
      maven) command -v mvn >/dev/null && continue ;;
    esac
    missing+=("$p")
  done
fi
if [ "$rabbitmq" = 1 ]; then
  total=$((total + ${#RABBITMQ_PKGS[@]}))
  for p in "${RABBITMQ_PKGS[@]}"; do
    installed "$p" || missing+=("$p")
  done
fi

total=$((total + ${#extra[@]}))
for p in "${extra[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all $total packages present"
  build_librdkafka
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"

# Installing the prometheus package enables and starts a system Prometheus on
# port 9090 (all interfaces). The tests only need the binaries: when this run
# installed it, turn that service off again.
for p in "${missing[@]}"; do
  if [ "$p" = prometheus ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    echo "deps: disabling the prometheus.service the package enabled (sluice's tests run their own)"
    $SUDO systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
  # Likewise postgresql-15 creates a cluster "15 main" on port 5432 and starts
  # it through its service; scripts/postgres.sh runs a cluster of its own, so
  # stop that one and keep it from starting at boot.
  if [ "$p" = postgresql-15 ]; then
    echo "deps: stopping and disabling the PostgreSQL service the package started (sluice's tests run their own cluster)"
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now postgresql.service >/dev/null 2>&1 || true
    fi
    for conf in /etc/postgresql/15/*/start.conf; do
      [ -f "$conf" ] || continue
      cluster=$(basename "$(dirname "$conf")")
      $SUDO pg_ctlcluster 15 "$cluster" stop >/dev/null 2>&1 || true
      echo manual | $SUDO tee "$conf" >/dev/null
    done
  fi
  case "$p" in
    redis-server|memcached)
      if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        echo "deps: disabling the $p.service the package enabled (sluice's tests run their own)"
        $SUDO systemctl disable --now "$p.service" >/dev/null 2>&1 || true
      elif command -v service >/dev/null; then
        $SUDO service "$p" stop >/dev/null 2>&1 || true
      fi ;;
  esac
done
# Likewise rabbitmq-server: its package enables a system broker on port 5672
# (all interfaces) and Erlang's epmd on 4369, and on a machine without systemd
# its install leaves an epmd running as the rabbitmq user. scripts/rabbitmq.sh
# runs a node (and an epmd) of its own on loopback ports: stop and disable the
# package's.
for p in "${missing[@]}"; do
  [ "$p" = rabbitmq-server ] || continue
  echo "deps: stopping and disabling the rabbitmq-server service the package set up (sluice's tests run their own)"
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now rabbitmq-server.service epmd.service epmd.socket >/dev/null 2>&1 || true
  else
    $SUDO service rabbitmq-server stop >/dev/null 2>&1 || true
    $SUDO update-rc.d rabbitmq-server disable >/dev/null 2>&1 || true
    command -v systemctl >/dev/null && $SUDO systemctl disable rabbitmq-server.service >/dev/null 2>&1 || true
    for pid in $(pgrep -u rabbitmq -x epmd 2>/dev/null || true); do $SUDO kill "$pid" 2>/dev/null || true; done
  fi
done

build_librdkafka
