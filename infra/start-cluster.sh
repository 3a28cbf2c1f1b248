#!/usr/bin/env bash
# Starts a 2-silo RebCluster on loopback from one Release build of src/Reb.Silo:
#   silo 1: silo port 11111, gateway 30000, HTTP 8080 (the primary silo of localhost clustering)
#   silo 2: silo port 11112, gateway 30001, HTTP 8081
# Both silos share one local artefact folder (infra/.data/cluster/artefacts), and keep membership and grain state (API
# keys, line registries, audit, training jobs: they survive a silo's loss and a restart) in the PostgreSQL of
# infra/start-services.sh (127.0.0.1:REB_POSTGRES_PORT, 5433, database "reb"; started here unless it answers), through
# Orleans' ADO.NET providers: every write carries its ETag and the database refuses a stale one. Each silo has its own
# model cache. Orleans traffic is mutual TLS with a cluster certificate made here on first use
# (infra/.data/cluster/tls, openssl); --no-tls for plaintext. The first admin key is written to
# infra/.data/cluster/admin-key (mode 600) and read by the silos from that file, never from their command line.
# The script fails (non-zero, and stops what it started) unless every silo answers GET /healthz on its own HTTP port.
# Everything listens on 127.0.0.1 only: Orleans ports, and the HTTP gateway (ASPNETCORE_URLS, not every interface).
# Logs and pid files: infra/.data/cluster/ (git-ignored). Stop with: bash infra/stop-cluster.sh
#
# Options:
#   --redis      Redis clustering, grain storage and reminders in the cluster's own Redis (127.0.0.1:REB_CLUSTER_REDIS_PORT,
#                6380; not the tests' password-less one on 6379): a password made here on first use
#                (infra/.data/cluster/redis-password, mode 600) and append-only persistence in infra/.data/cluster/redis,
#                so grain state and training reminders survive a restart of the whole cluster and of that Redis;
#                stop-cluster.sh stops it after the silos (its data stays)
#   --postgres   the inspection history in PostgreSQL too (the same server and database as the grain state) instead of
#                the SQLite file both silos share in the artefact folder
#   --folder     refused: the folder grain storage is for the embedded single silo only (its ETag check is not atomic
#                across processes, so two silos on one folder can lose each other's writes)
#   --no-build   use the existing Release build (fails if there is none)
#   --gpu2       silo 2 claims a GPU (REB__ACCELERATOR=gpu): shard and scoring grains then prefer it
#   --no-tls     plaintext Orleans ports (loopback only either way)
# Ports can be moved with REB_SILO_PORT_BASE (11111), REB_GATEWAY_PORT_BASE (30000) and REB_HTTP_PORT_BASE (8080).
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$INFRA/.." && pwd)"
DATA="$INFRA/.data/cluster"
HOST="127.0.0.1"
SILO_BASE="${REB_SILO_PORT_BASE:-11111}"
GATEWAY_BASE="${REB_GATEWAY_PORT_BASE:-30000}"
HTTP_BASE="${REB_HTTP_PORT_BASE:-8080}"
TLS_DIR="$DATA/tls"
ADMIN_KEY_FILE="$DATA/admin-key"
SIGNING_KEY_FILE="$DATA/key-signing-key"
REDIS_PORT="${REB_CLUSTER_REDIS_PORT:-6380}"
REDIS_PASSWORD_FILE="$DATA/redis-password"
PG_PORT="${REB_POSTGRES_PORT:-5433}"
PROJECT="$ROOT/src/Reb.Silo/Reb.Silo.csproj"
BIN="$ROOT/src/Reb.Silo/bin/Release/net10.0"
SILOS=2
USE_REDIS=0 USE_POSTGRES=0 BUILD=1 GPU2=0 TLS=1 USE_FOLDER=0
for arg in "$@"; do
  case "$arg" in
    --redis) USE_REDIS=1 ;;
    --postgres) USE_POSTGRES=1 ;;
    --folder) USE_FOLDER=1 ;;
    --no-build) BUILD=0 ;;
    --gpu2) GPU2=1 ;;
    --no-tls) TLS=0 ;;
    *) echo "start-cluster: unknown option '$arg' (known: --redis, --postgres, --folder, --no-build, --gpu2, --no-tls)" >&2; exit 2 ;;
  esac
done

if [[ "$USE_FOLDER" == 1 && "$SILOS" -gt 1 ]]; then
  echo "start-cluster: --folder: the folder grain storage is for the embedded single silo only (dotnet run --project" \
       "src/Reb.Silo); $SILOS silos on one folder can lose each other's writes (its ETag check is not atomic across" \
       "processes). Use the default (PostgreSQL) or --redis." >&2
  exit 2
fi

answers() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Refuse to start over a running cluster (or anything else on our ports): two silos on one port never join.
for i in $(seq 1 $SILOS); do
  for port in $((SILO_BASE + i - 1)) $((GATEWAY_BASE + i - 1)) $((HTTP_BASE + i - 1)); do
    if answers "$port"; then
      echo "start-cluster: $HOST:$port already answers; stop the running cluster first (bash infra/stop-cluster.sh)" >&2
      exit 1
    fi
  done
done

# Redis clustering needs only Redis: a Redis that already answers is used as it is; otherwise start-services.sh
# starts it (with Azurite, which it installs from npm on its first run).
if [[ "$USE_REDIS" == 1 ]]; then
  mkdir -p "$DATA/redis"
  if [[ ! -s "$REDIS_PASSWORD_FILE" ]]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$REDIS_PASSWORD_FILE")
  fi
  if answers "$REDIS_PORT"; then
    echo "start-cluster: using the Redis that answers on $HOST:$REDIS_PORT (it must require the password in $REDIS_PASSWORD_FILE)"
  else
    command -v redis-server >/dev/null || bash "$INFRA/start-services.sh" --no-postgres # installs redis-server
    # The password through stdin-fed config, not argv (`ps` shows arguments).
    printf 'requirepass %s\n' "$(cat "$REDIS_PASSWORD_FILE")" | redis-server - --bind "$HOST" --port "$REDIS_PORT" \
      --appendonly yes --appendfsync everysec --dir "$DATA/redis" --daemonize yes --pidfile "$DATA/redis.pid" \
      --logfile "$DATA/redis.log"
    for _ in $(seq 1 50); do answers "$REDIS_PORT" && break; sleep 0.2; done
    answers "$REDIS_PORT" || { echo "start-cluster: Redis did not answer on $HOST:$REDIS_PORT; log $DATA/redis.log" >&2; exit 1; }
    echo "start-cluster: Redis on $HOST:$REDIS_PORT (password, append-only persistence in $DATA/redis)"
  fi
fi

# PostgreSQL holds the grain state and membership unless --redis does (and the history with --postgres).
if [[ "$USE_REDIS" == 0 || "$USE_POSTGRES" == 1 ]] && ! answers "$PG_PORT"; then bash "$INFRA/start-services.sh"; fi
PG_CONNECTION="Host=$HOST;Port=$PG_PORT;Username=reb;Database=reb"

# One build, shared by both silos (each silo is a plain `dotnet Reb.Silo.dll`, so nothing rebuilds per silo).
if [[ "$BUILD" == 1 ]]; then
  echo "start-cluster: building Reb.Silo (Release)"
  dotnet build "$PROJECT" -c Release -nologo -v q
fi
[[ -f "$BIN/Reb.Silo.dll" ]] || { echo "start-cluster: $BIN/Reb.Silo.dll is missing; run without --no-build" >&2; exit 1; }

command -v curl >/dev/null || { echo "start-cluster: curl is missing (apt-get install curl): it checks every silo's /healthz" >&2; exit 1; }
mkdir -p "$DATA/artefacts"

# The cluster certificate (self-signed, EC P-256, server + client authentication, loopback names): every silo presents
# it and accepts only peers presenting it (Reb:Tls without a trust list). Clients (reb cluster ... --tls-cert) need it.
if [[ "$TLS" == 1 && ! -f "$TLS_DIR/cluster.key" ]]; then
  command -v openssl >/dev/null || { echo "start-cluster: openssl is missing (apt-get install openssl), or pass --no-tls" >&2; exit 1; }
  mkdir -p "$TLS_DIR" && chmod 700 "$TLS_DIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 -subj "/CN=reb-local-cluster" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "extendedKeyUsage=serverAuth,clientAuth" \
    -addext "keyUsage=critical,digitalSignature" -addext "basicConstraints=critical,CA:FALSE" \
    -keyout "$TLS_DIR/cluster.key" -out "$TLS_DIR/cluster.crt" 2>/dev/null
  chmod 600 "$TLS_DIR/cluster.key"
  echo "start-cluster: made the cluster certificate $TLS_DIR/cluster.crt"
fi

# The first admin key, in a file only this user can read; kept across restarts (grain state is durable too).
if [[ ! -s "$ADMIN_KEY_FILE" ]]; then
  (umask 077 && echo "reb_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$ADMIN_KEY_FILE")
fi

# The secret every silo's gateway signs API key records with (the state store never holds it); kept across restarts,
# or the keys created before would be refused.
if [[ ! -s "$SIGNING_KEY_FILE" ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SIGNING_KEY_FILE")
fi

start_silo() { # index
  local i="$1" dir="$DATA/silo$1"
  local silo_port=$((SILO_BASE + i - 1)) gateway_port=$((GATEWAY_BASE + i - 1)) http_port=$((HTTP_BASE + i - 1))
  local accelerator=cpu
  [[ "$GPU2" == 1 && "$i" == 2 ]] && accelerator=gpu
  mkdir -p "$dir/cache"
  local -a env=(
    "REB__SILO__SILOPORT=$silo_port"
    "REB__SILO__GATEWAYPORT=$gateway_port"
    "REB__SILO__PRIMARYSILOPORT=$SILO_BASE"
    "REB__SILO__CLUSTERID=reb-local"
    "REB__SILO__SERVICEID=reb"
    # The artefact store (Reb:ArtefactStore): the folder all local silos share.
    "REB__ARTEFACTSTORE__KIND=local"
    "REB__ARTEFACTSTORE__ROOT=$DATA/artefacts"
    "REB__CACHEROOT=$dir/cache"
    "REB__ACCELERATOR=$accelerator"
    # Each silo its own HTTP port (two on 8080 clashed: the second one served no API).
    "REB__GATEWAY__HTTPPORT=$http_port"
    # Loopback like every other port of this cluster (without it Kestrel listens on every interface).
    "ASPNETCORE_URLS=http://$HOST:$http_port"
    "REB__GATEWAY__BOOTSTRAPADMINKEYFILE=$ADMIN_KEY_FILE"
    "REB__GATEWAY__KEYRECORDSIGNINGKEYFILE=$SIGNING_KEY_FILE"
  )
  if [[ "$TLS" == 1 ]]; then
    env+=("REB__TLS__MODE=required" "REB__TLS__CERTIFICATEPATH=$TLS_DIR/cluster.crt" "REB__TLS__CERTIFICATEKEYPATH=$TLS_DIR/cluster.key")
  else
    env+=("REB__TLS__MODE=off")
  fi
  if [[ "$USE_REDIS" == 1 ]]; then
    env+=(
      "REB__SILO__CLUSTERING=redis"
      "REB__SILO__GRAINSTORAGE=redis"
      "REB__SILO__REMINDERS=redis"
      "REB__SILO__REDISCONNECTIONSTRING=$HOST:$REDIS_PORT,password=$(cat "$REDIS_PASSWORD_FILE")"
    )
  else
    # Membership and grain state in PostgreSQL (a killed silo's grains re-activate on the other with their state); the
    # silo applies the tables it needs at start-up.
    env+=("REB__SILO__CLUSTERING=adonet" "REB__SILO__GRAINSTORAGE=adonet" "REB__SILO__ADONETCONNECTIONSTRING=$PG_CONNECTION"
          "REB__SILO__REMINDERS=memory")
  fi
  if [[ "$USE_POSTGRES" == 1 ]]; then
    env+=("REB__HISTORY__KIND=postgres" "REB__HISTORY__CONNECTIONSTRING=$PG_CONNECTION")
  fi
  # --contentRoot: appsettings.json is read from the build folder while the silo runs in its own data folder.
  # Membership at Information level, so the log shows the silo joining and which silos are active.
  (cd "$dir" && exec nohup env "${env[@]}" dotnet "$BIN/Reb.Silo.dll" --contentRoot "$BIN" \
      "--Logging:LogLevel:Orleans.Runtime.MembershipService=Information" \
      >"$dir/silo.log" 2>&1) &
  echo $! >"$DATA/silo$i.pid"
  echo "start-cluster: silo $i (pid $(cat "$DATA/silo$i.pid"), accelerator $accelerator) silo $HOST:$silo_port gateway $HOST:$gateway_port http $HOST:$http_port, log $dir/silo.log"
}

wait_gateway() { # index timeout-seconds
  local i="$1" port=$((GATEWAY_BASE + $1 - 1)) pid
  pid="$(cat "$DATA/silo$i.pid")"
  for _ in $(seq 1 $(($2 * 5))); do
    if answers "$port"; then echo "start-cluster: silo $i gateway answers on $HOST:$port"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "start-cluster: silo $i exited before its gateway answered; log $DATA/silo$i/silo.log:" >&2
      tail -n 30 "$DATA/silo$i/silo.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  echo "start-cluster: silo $i gateway did not answer on $HOST:$port within $2 s; log $DATA/silo$i/silo.log" >&2
  return 1
}

fail() { bash "$INFRA/stop-cluster.sh" >&2 || true; exit 1; }

# The primary first: with localhost clustering every other silo joins through it.
start_silo 1
wait_gateway 1 120 || fail
for i in $(seq 2 $SILOS); do start_silo "$i"; done
for i in $(seq 2 $SILOS); do wait_gateway "$i" 120 || fail; done

# A gateway that answers is not yet a member: wait until every silo became active and watches the others
# (Orleans probes min(silos - 1, 3) other silos), as its membership log lines say.
wait_joined() { # index timeout-seconds
  local log="$DATA/silo$1/silo.log" want=$(( SILOS - 1 < 3 ? SILOS - 1 : 3 )) watched
  for _ in $(seq 1 $(($2 * 5))); do
    watched="$(grep -o 'Will watch (actively ping) [0-9]* silos' "$log" 2>/dev/null | tail -n 1 | grep -o '[0-9]*' || true)"
    if grep -q 'Finished BecomeActive' "$log" && [[ "$watched" == "$want" ]]; then
      echo "start-cluster: silo $1 is an active member and watches $watched other silo(s)"; return 0
    fi
    sleep 0.2
  done
  echo "start-cluster: silo $1 did not join within $2 s (watches '${watched:-none}', want $want); log $log" >&2
  return 1
}
for i in $(seq 1 $SILOS); do wait_joined "$i" 60 || fail; done

# Every silo must serve its API: GET /healthz on its own HTTP port answers 200 (a silo whose web host failed exits
# non-zero, which wait_gateway reports; this also catches a port answered by something else).
wait_healthz() { # index timeout-seconds
  local url="http://$HOST:$((HTTP_BASE + $1 - 1))/healthz" code=""
  for _ in $(seq 1 $(($2 * 2))); do
    code="$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)"
    if [[ "$code" == 200 ]]; then echo "start-cluster: silo $1 answers $url (200)"; return 0; fi
    kill -0 "$(cat "$DATA/silo$1.pid")" 2>/dev/null || { echo "start-cluster: silo $1 exited; log:" >&2; tail -n 30 "$DATA/silo$1/silo.log" >&2; return 1; }
    sleep 0.5
  done
  echo "start-cluster: silo $1 does not answer $url (last status '${code:-none}') within $2 s; log $DATA/silo$1/silo.log" >&2
  return 1
}
for i in $(seq 1 $SILOS); do wait_healthz "$i" 60 || fail; done

TLS_HINT=""
[[ "$TLS" == 1 ]] && TLS_HINT=" --tls-cert $TLS_DIR/cluster.crt --tls-key $TLS_DIR/cluster.key"
cat <<EOF
start-cluster: $SILOS silos running (cluster id reb-local, $([[ "$USE_REDIS" == 1 ]] && echo "Redis clustering on $HOST:$REDIS_PORT" || echo "PostgreSQL clustering on $HOST:$PG_PORT")).
  artefacts: $DATA/artefacts   grain state: $([[ "$USE_REDIS" == 1 ]] && echo "Redis $HOST:$REDIS_PORT" || echo "PostgreSQL $HOST:$PG_PORT database reb")
  HTTP API:  http://$HOST:$HTTP_BASE/ ... http://$HOST:$((HTTP_BASE + SILOS - 1))/   admin key: \$(cat $ADMIN_KEY_FILE)
  use it:    reb cluster status --line <line> --gateway $HOST:$GATEWAY_BASE --cluster-id reb-local$TLS_HINT
             reb cluster fit    --gateway $HOST:$GATEWAY_BASE --cluster-id reb-local$TLS_HINT ...
             (any silo's gateway serves the whole cluster)
  stop:      bash infra/stop-cluster.sh   (add --services to also stop what infra/start-services.sh started)
EOF
