#!/usr/bin/env bash
# Stops the silos infra/start-cluster.sh started (the processes named by its pid files), nothing else.
# Each silo gets SIGTERM first so that it leaves the cluster gracefully (its grains deactivate, its membership
# entry is marked dead at once instead of after a probe timeout); SIGKILL only after REB_STOP_TIMEOUT seconds (60).
# Then the cluster's own Redis of `start-cluster.sh --redis` (the process its redis.pid names, on REB_CLUSTER_REDIS_PORT,
# 6380), with SIGTERM: Redis flushes its append-only file and exits, so the state survives the next start. A Redis that
# start-cluster.sh found already running (no pid file) and the tests' Redis on 6379 are left alone.
# Options: --services   also run infra/stop-services.sh (Azurite/Redis started by start-services.sh)
set -uo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$INFRA/.data/cluster"
TIMEOUT="${REB_STOP_TIMEOUT:-60}"
REDIS_PORT="${REB_CLUSTER_REDIS_PORT:-6380}"
STOP_SERVICES=0
for arg in "$@"; do
  case "$arg" in
    --services) STOP_SERVICES=1 ;;
    *) echo "stop-cluster: unknown option '$arg' (known: --services)" >&2; exit 2 ;;
  esac
done

is_our_silo() { # pid: a live process whose command line runs Reb.Silo.dll (a pid may have been reused)
  kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "Reb.Silo.dll"
}

is_our_redis() { # pid: a live redis-server serving the cluster's port (Redis names its process "redis-server host:port")
  kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "redis-server .*:$REDIS_PORT\b"
}

terminate() { # check pid: SIGTERM, wait up to TIMEOUT s while "check pid" holds, then SIGKILL; fails when it had to kill
  local check="$1" pid="$2"
  kill -TERM "$pid"
  for _ in $(seq 1 $((TIMEOUT * 10))); do "$check" "$pid" || return 0; sleep 0.1; done
  "$check" "$pid" || return 0
  kill -KILL "$pid" 2>/dev/null || true
  return 1
}

# Stop in reverse order: the secondaries before the primary of localhost clustering.
shopt -s nullglob
pidfiles=("$DATA"/silo*.pid)
for ((k = ${#pidfiles[@]} - 1; k >= 0; k--)); do
  pidfile="${pidfiles[$k]}"
  name="$(basename "$pidfile" .pid)"
  pid="$(cat "$pidfile")"
  if [[ -n "$pid" ]] && is_our_silo "$pid"; then
    if terminate is_our_silo "$pid"; then
      echo "stop-cluster: stopped $name (pid $pid)"
    else
      echo "stop-cluster: $name (pid $pid) did not stop within $TIMEOUT s, killed"
    fi
  else
    echo "stop-cluster: $name (pid ${pid:-?}) was not running"
  fi
  rm -f "$pidfile"
done
[[ ${#pidfiles[@]} -eq 0 ]] && echo "stop-cluster: no silo pid files under $DATA"

if [[ -f "$DATA/redis.pid" ]]; then
  pid="$(cat "$DATA/redis.pid")"
  if [[ -n "$pid" ]] && is_our_redis "$pid"; then
    if terminate is_our_redis "$pid"; then
      echo "stop-cluster: stopped the cluster's Redis (pid $pid, port $REDIS_PORT; its data stays in $DATA/redis)"
    else
      echo "stop-cluster: the cluster's Redis (pid $pid, port $REDIS_PORT) did not stop within $TIMEOUT s, killed"
    fi
  else
    echo "stop-cluster: no Redis of the cluster on port $REDIS_PORT runs as pid ${pid:-?}; nothing stopped"
  fi
  rm -f "$DATA/redis.pid"
fi

if [[ "$STOP_SERVICES" == 1 ]]; then
  bash "$INFRA/stop-services.sh"
fi
exit 0
