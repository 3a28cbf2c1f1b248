#!/usr/bin/env bash
# Starts the local services the cluster tests and a dev cluster use, all on loopback:
#   Azurite blob (127.0.0.1:10000) and table (127.0.0.1:10002), Redis (127.0.0.1:6379),
#   PostgreSQL (127.0.0.1:5433, Debian's package; the inspection history of multi-silo clusters and its tests),
#   Mosquitto (127.0.0.1:1883, Debian's package; the MQTT broker the verdict tests publish to).
# Idempotent: a service whose port already answers is left alone (and is not ours to stop).
# Offline-safe once installed: npm is only called when infra/.tools lacks azurite.
# Options: --no-redis      skip Redis (only the blob/table emulator is needed by the storage tests)
#          --no-postgres   skip PostgreSQL
#          --no-mosquitto  skip the MQTT broker
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="$INFRA/.tools"
DATA="$INFRA/.data"
RUN="$DATA/run"
AZURITE_VERSION="3.37.0"
HOST="127.0.0.1"
BLOB_PORT="${REB_AZURITE_BLOB_PORT:-10000}"
TABLE_PORT="${REB_AZURITE_TABLE_PORT:-10002}"
REDIS_PORT="${REB_REDIS_PORT:-6379}"
PG_PORT="${REB_POSTGRES_PORT:-5433}"
MQTT_PORT="${REB_MOSQUITTO_PORT:-1883}"
WANT_REDIS=1
WANT_POSTGRES=1
WANT_MOSQUITTO=1
for arg in "$@"; do
  case "$arg" in
    --no-redis) WANT_REDIS=0 ;;
    --no-postgres) WANT_POSTGRES=0 ;;
    --no-mosquitto) WANT_MOSQUITTO=0 ;;
    *) echo "start-services: unknown option '$arg' (known: --no-redis, --no-postgres, --no-mosquitto)" >&2; exit 2 ;;
  esac
done

mkdir -p "$RUN" "$DATA/azurite-blob" "$DATA/azurite-table" "$DATA/logs"

answers() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

wait_for() { # name port pidfile
  local name="$1" port="$2" pidfile="$3"
  for _ in $(seq 1 150); do
    if answers "$port"; then echo "start-services: $name answers on $HOST:$port"; return 0; fi
    if [[ -n "$pidfile" && -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "start-services: $name exited before answering; log: $DATA/logs/$name.log" >&2
      tail -n 20 "$DATA/logs/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  echo "start-services: $name did not answer on $HOST:$port within 30 s; log: $DATA/logs/$name.log" >&2
  return 1
}

apt_install() { # package skip-option: installs a Debian package as root, else stops naming the package and the option
  local package="$1" skip="$2"
  if [[ "$(id -u)" != 0 ]]; then
    echo "start-services: $package is missing and this is not root: install it (apt-get install $package) or pass $skip" >&2
    exit 1
  fi
  echo "start-services: installing $package (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}

# --- Azurite (npm package, installed into infra/.tools, never globally) ---
AZ_BIN="$TOOLS/node_modules/.bin"
if [[ ! -x "$AZ_BIN/azurite-blob" || ! -x "$AZ_BIN/azurite-table" ]]; then
  command -v npm >/dev/null || { echo "start-services: npm is missing (Node.js 20 + npm are needed for Azurite)" >&2; exit 1; }
  echo "start-services: installing azurite@$AZURITE_VERSION into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION"
fi

start_azurite() { # service port
  local svc="$1" port="$2" pidfile="$RUN/azurite-$1.pid"
  if answers "$port"; then echo "start-services: $HOST:$port already answers, azurite-$svc not started"; return 0; fi
  nohup "$AZ_BIN/azurite-$svc" "--${svc}Host" "$HOST" "--${svc}Port" "$port" \
    --location "$DATA/azurite-$svc" --skipApiVersionCheck --silent --loose \
    >"$DATA/logs/azurite-$svc.log" 2>&1 &
  echo $! >"$pidfile"
  wait_for "azurite-$svc" "$port" "$pidfile"
}
start_azurite blob "$BLOB_PORT"
start_azurite table "$TABLE_PORT"

# --- Redis (Debian package) ---
if [[ "$WANT_REDIS" == 1 ]]; then
  if answers "$REDIS_PORT"; then
    echo "start-services: $HOST:$REDIS_PORT already answers, redis not started"
  else
    command -v redis-server >/dev/null || apt_install redis-server --no-redis
    # The Debian package may start its own instance on install; then the port answers already.
    if answers "$REDIS_PORT"; then
      echo "start-services: $HOST:$REDIS_PORT answers (started by the package), not ours to stop"
    else
      redis-server --bind "$HOST" --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
        --pidfile "$RUN/redis.pid" --logfile "$DATA/logs/redis.log" --dir "$DATA"
      wait_for redis "$REDIS_PORT" ""
    fi
  fi
fi
# --- PostgreSQL (Debian package; our own cluster in infra/.data/postgres, loopback only, trust auth for user "reb") ---
# Not the package's system cluster (port 5432, pg_ctlcluster): a private data directory that stop-services.sh stops
# and `rm -rf infra/.data` removes. PostgreSQL refuses to run as root, so as root it runs as the "postgres" user.
if [[ "$WANT_POSTGRES" == 1 ]]; then
  if answers "$PG_PORT"; then
    echo "start-services: $HOST:$PG_PORT already answers, postgres not started"
  else
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
      apt_install postgresql --no-postgres
      PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    PG_DATA="${REB_POSTGRES_DATA:-$DATA/postgres}"
    # From "/": the postgres user may not be allowed into the current directory.
    as_pg() { if [[ "$(id -u)" == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
    if [[ "$(id -u)" == 0 ]] && ! runuser -u postgres -- test -x "$DATA"; then
      # A checkout under /root (mode 700) is out of the postgres user's reach: keep the data next to the package's own.
      PG_DATA="/var/lib/postgresql/rebcluster-$(printf '%s' "$INFRA" | md5sum | cut -c1-8)"
      echo "start-services: $DATA is not reachable by the postgres user; PostgreSQL data in $PG_DATA"
    fi
    PG_LOG="$PG_DATA.log"
    mkdir -p "$PG_DATA"
    if [[ "$(id -u)" == 0 ]]; then chown postgres:postgres "$PG_DATA"; fi
    chmod 700 "$PG_DATA"
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
      echo "start-services: initdb $PG_DATA"
      as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U reb --auth=trust --encoding=UTF8 --no-locale >"$DATA/logs/postgres-initdb.log" 2>&1 \
        || { echo "start-services: initdb failed; log: $DATA/logs/postgres-initdb.log" >&2; tail -n 20 "$DATA/logs/postgres-initdb.log" >&2; exit 1; }
    fi
    touch "$PG_LOG"; if [[ "$(id -u)" == 0 ]]; then chown postgres:postgres "$PG_LOG"; fi
    # TCP on loopback only, no Unix socket (the system's /var/run/postgresql may belong to another cluster, and a socket
    # path inside a deep checkout can exceed the 107-byte limit).
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-c listen_addresses=$HOST -p $PG_PORT -c unix_socket_directories='' -c max_connections=200 -c fsync=off" start >/dev/null \
      || { echo "start-services: postgres did not start; log: $PG_LOG" >&2; tail -n 20 "$PG_LOG" >&2; exit 1; }
    echo "$PG_DATA" >"$RUN/postgres.datadir"
    head -n 1 "$PG_DATA/postmaster.pid" >"$RUN/postgres.pid"
    wait_for postgres "$PG_PORT" "$RUN/postgres.pid"
    # The database the silos and tests connect to by default (Host=127.0.0.1;Port=$PG_PORT;Username=reb;Database=reb).
    if ! as_pg "$PG_BIN/psql" -h "$HOST" -p "$PG_PORT" -U reb -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='reb'" | grep -q 1; then
      as_pg "$PG_BIN/psql" -h "$HOST" -p "$PG_PORT" -U reb -d postgres -qc "CREATE DATABASE reb" >/dev/null
    fi
  fi
fi
# --- Mosquitto (Debian package; our own instance, loopback only, anonymous, no persistence) ---
if [[ "$WANT_MOSQUITTO" == 1 ]]; then
  if answers "$MQTT_PORT"; then
    echo "start-services: $HOST:$MQTT_PORT already answers, mosquitto not started"
  else
    MOSQUITTO="$(command -v mosquitto || ls /usr/sbin/mosquitto 2>/dev/null || true)"
    if [[ -z "$MOSQUITTO" ]]; then
      apt_install mosquitto --no-mosquitto
      MOSQUITTO="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
    fi
    # The package's own service may have started on install (on 1883 for every address); then the port answers.
    if answers "$MQTT_PORT"; then
      echo "start-services: $HOST:$MQTT_PORT answers (started by the package), not ours to stop"
    else
      # "user": as root, mosquitto would otherwise switch to the "mosquitto" user, which may not reach this folder.
      cat >"$DATA/mosquitto.conf" <<CONF
listener $MQTT_PORT $HOST
allow_anonymous true
persistence false
user $(id -un)
log_dest stdout
CONF
      nohup "$MOSQUITTO" -c "$DATA/mosquitto.conf" >"$DATA/logs/mosquitto.log" 2>&1 &
      echo $! >"$RUN/mosquitto.pid"
      wait_for mosquitto "$MQTT_PORT" "$RUN/mosquitto.pid"
    fi
  fi
fi
command -v chromium >/dev/null || { if [[ "$(id -u)" == 0 ]]; then echo "start-services: installing chromium (apt-get; the dashboard browser tests drive /usr/bin/chromium)"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; else echo "start-services: chromium is missing and this is not root: the browser tests need it (apt-get install chromium)" >&2; fi; }
echo "start-services: ready (stop with: bash infra/stop-services.sh)"
