#!/usr/bin/env bash
# A throwaway Prometheus server (Debian's `prometheus` package) that scrapes
# one sluice, for tests and for looking at the dashboard queries by hand.
# Loopback only, its own generated config and data directory, and a hard
# lifetime: even if whoever started it dies, it is gone after --lifetime.
# Never touches the package's system service or /var/lib/prometheus.
#
#   scripts/prometheus.sh up   --dir DIR --port PORT --target HOST:PORT
#                              [--interval 1s] [--lifetime 300] [--rules FILE]
#        writes DIR/prometheus.yml, starts the server on 127.0.0.1:PORT with
#        its data in DIR/data, waits (bounded) until it answers /-/ready and
#        prints its URL
#   scripts/prometheus.sh down --dir DIR
#        stops the server started with that DIR (TERM, then KILL) and removes DIR
#   scripts/prometheus.sh status --dir DIR    exit 0 running and ready, 3 not running
#
# Environment: PROMETHEUS (binary, default `prometheus` on PATH),
# PROMETHEUS_START_TIMEOUT (30 s), PROMETHEUS_STOP_TIMEOUT (15 s).
set -euo pipefail

die() { echo "prometheus.sh: $*" >&2; exit 1; }
PROMETHEUS=${PROMETHEUS:-prometheus}
START_TIMEOUT=${PROMETHEUS_START_TIMEOUT:-30}
STOP_TIMEOUT=${PROMETHEUS_STOP_TIMEOUT:-15}

cmd=${1:-}
[ -n "$cmd" ] || die "usage: prometheus.sh up|down|status --dir DIR [...]"
shift
dir="" port="" target="" interval=1s lifetime=300 rules=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --lifetime) lifetime=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$dir" ] || die "--dir is required"
pidfile=$dir/prometheus.pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
ready() { curl -sf --max-time 2 "http://127.0.0.1:$(cat "$dir/port")/-/ready" >/dev/null 2>&1; }

cmd_up() {
  [ -n "$port" ] && [ -n "$target" ] || die "up needs --port and --target"
  case "$target" in
    127.*|localhost:*|\[::1\]:*) ;;
    *) die "target $target is not a loopback address" ;;
  esac
  command -v "$PROMETHEUS" >/dev/null || die "$PROMETHEUS not found: install Debian's prometheus package (scripts/deps.sh)"
  command -v curl >/dev/null || die "curl not found (scripts/deps.sh)"
  if running; then die "already running in $dir (pid $(cat "$pidfile"))"; fi
  mkdir -p "$dir/data"
  echo "$port" > "$dir/port"
  {
    echo "global:"
    echo "  scrape_interval: $interval"
    echo "  evaluation_interval: $interval"
    if [ -n "$rules" ]; then
      echo "rule_files:"
      echo "  - $(cd "$(dirname "$rules")" && pwd)/$(basename "$rules")"
    fi
    echo "scrape_configs:"
    echo "  - job_name: sluice"
    echo "    scrape_timeout: $interval"
    echo "    static_configs:"
    echo "      - targets: ['$target']"
  } > "$dir/prometheus.yml"
  # `timeout` bounds the server's life even if nobody calls down; setsid keeps
  # it out of the caller's terminal signals. Ctrl-C of the caller is handled
  # by the caller calling down.
  setsid timeout --kill-after=10 "$lifetime" "$PROMETHEUS" \
    --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=1h \
    --web.listen-address="127.0.0.1:$port" \
    --log.level=warn \
    > "$dir/prometheus.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  local deadline=$((SECONDS + START_TIMEOUT))
  until ready; do
    if ! running; then
      cat "$dir/prometheus.log" >&2 || true
      die "prometheus exited during startup (log above)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      cmd_down
      die "prometheus not ready on 127.0.0.1:$port after ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  echo "http://127.0.0.1:$port"
}

cmd_down() {
  if running; then
    local pid
    pid=$(cat "$pidfile")
    # The process group: timeout and the prometheus it runs.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  # Only ever remove what up created.
  if [ -f "$dir/prometheus.yml" ]; then rm -rf "$dir"; fi
}

cmd_status() {
  if running && ready; then echo "running: http://127.0.0.1:$(cat "$dir/port")"; exit 0; fi
  exit 3
}

case "$cmd" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) die "unknown command $cmd (up, down, status)" ;;
esac
