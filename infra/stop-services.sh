#!/usr/bin/env bash
# Stops what infra/start-services.sh started (the processes named by its pid files), nothing else.
set -uo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$INFRA/.data/run"

stop_pid() { # name pidfile expected-command-fragment
  local name="$1" pidfile="$2" expect="$3" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  # Only a live process whose command line is what we started (a pid may have been reused).
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$expect"; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "stop-services: stopped $name (pid $pid)"
  else
    echo "stop-services: $name (pid ${pid:-?}) was not running"
  fi
  rm -f "$pidfile"
}

stop_pid azurite-blob "$RUN/azurite-blob.pid" azurite-blob
stop_pid azurite-table "$RUN/azurite-table.pid" azurite-table
stop_pid redis "$RUN/redis.pid" redis-server
stop_pid mosquitto "$RUN/mosquitto.pid" mosquitto
# PostgreSQL: pg_ctl stops it cleanly (a fast shutdown; SIGTERM to the postmaster would do the same).
PG_DATA="$(cat "$RUN/postgres.datadir" 2>/dev/null || echo "$INFRA/.data/postgres")"
if [[ -f "$RUN/postgres.pid" && -f "$PG_DATA/postmaster.pid" ]]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ "$(id -u)" == 0 ]]; then (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null); else "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null; fi \
    && echo "stop-services: stopped postgres" || echo "stop-services: postgres was not running"
  rm -f "$RUN/postgres.pid" "$RUN/postgres.datadir"
fi
