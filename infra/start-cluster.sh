#!/usr/bin/env bash
# Starts a 2-silo RebCluster on loopback from one Release build of src/Reb.Silo:
#   silo 1: silo port 11111, gateway 30000 (the primary silo of localhost clustering)
#   silo 2: silo port 11112, gateway 30001
# Both silos share one local artefact folder (infra/.data/cluster/artefacts); each has its own model cache.
# Logs and pid files: infra/.data/cluster/ (git-ignored). Stop with: bash infra/stop-cluster.sh
#
# Options:
#   --redis      Redis clustering, grain storage and reminders (REB_REDIS_PORT, 6379; runs infra/start-services.sh
#                first unless a Redis answers already); grain state and training reminders then survive a restart of
#                the whole cluster.
#   --no-build   use the existing Release build (fails if there is none)
#   --gpu2       silo 2 claims a GPU (REB__ACCELERATOR=gpu): shard and scoring grains then prefer it
# Ports can be moved with REB_SILO_PORT_BASE (11111) and REB_GATEWAY_PORT_BASE (30000).
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$INFRA/.." && pwd)"
DATA="$INFRA/.data/cluster"
HOST="127.0.0.1"
SILO_BASE="${REB_SILO_PORT_BASE:-11111}"
GATEWAY_BASE="${REB_GATEWAY_PORT_BASE:-30000}"
REDIS_PORT="${REB_REDIS_PORT:-6379}"
PROJECT="$ROOT/src/Reb.Silo/Reb.Silo.csproj"
BIN="$ROOT/src/Reb.Silo/bin/Release/net10.0"
SILOS=2
USE_REDIS=0 BUILD=1 GPU2=0
for arg in "$@"; do
  case "$arg" in
    --redis) USE_REDIS=1 ;;
    --no-build) BUILD=0 ;;
    --gpu2) GPU2=1 ;;
    *) echo "start-cluster: unknown option '$arg' (known: --redis, --no-build, --gpu2)" >&2; exit 2 ;;
  esac
done

answers() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Refuse to start over a running cluster (or anything else on our ports): two silos on one port never join.
for i in $(seq 1 $SILOS); do
  for port in $((SILO_BASE + i - 1)) $((GATEWAY_BASE + i - 1)); do
    if answers "$port"; then
      echo "start-cluster: $HOST:$port already answers; stop the running cluster first (bash infra/stop-cluster.sh)" >&2
      exit 1
    fi
  done
done

# Redis clustering needs only Redis: a Redis that already answers is used as it is; otherwise start-services.sh
# starts it (with Azurite, which it installs from npm on its first run).
if [[ "$USE_REDIS" == 1 ]]; then
  if answers "$REDIS_PORT"; then
    echo "start-cluster: using the Redis that answers on $HOST:$REDIS_PORT"
  else
    bash "$INFRA/start-services.sh"
  fi
fi

# One build, shared by both silos (each silo is a plain `dotnet Reb.Silo.dll`, so nothing rebuilds per silo).
if [[ "$BUILD" == 1 ]]; then
  echo "start-cluster: building Reb.Silo (Release)"
  dotnet build "$PROJECT" -c Release -nologo -v q
fi
[[ -f "$BIN/Reb.Silo.dll" ]] || { echo "start-cluster: $BIN/Reb.Silo.dll is missing; run without --no-build" >&2; exit 1; }

mkdir -p "$DATA/artefacts"

start_silo() { # index
  local i="$1" dir="$DATA/silo$1"
  local silo_port=$((SILO_BASE + i - 1)) gateway_port=$((GATEWAY_BASE + i - 1))
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
  )
  if [[ "$USE_REDIS" == 1 ]]; then
    env+=(
      "REB__SILO__CLUSTERING=redis"
      "REB__SILO__GRAINSTORAGE=redis"
      "REB__SILO__REMINDERS=redis"
      "REB__SILO__REDISCONNECTIONSTRING=$HOST:$REDIS_PORT"
    )
  else
    env+=("REB__SILO__CLUSTERING=localhost" "REB__SILO__GRAINSTORAGE=memory" "REB__SILO__REMINDERS=memory")
  fi
  # --contentRoot: appsettings.json is read from the build folder while the silo runs in its own data folder.
  # Membership at Information level, so the log shows the silo joining and which silos are active.
  (cd "$dir" && exec nohup env "${env[@]}" dotnet "$BIN/Reb.Silo.dll" --contentRoot "$BIN" \
      "--Logging:LogLevel:Orleans.Runtime.MembershipService=Information" \
      >"$dir/silo.log" 2>&1) &
  echo $! >"$DATA/silo$i.pid"
  echo "start-cluster: silo $i (pid $(cat "$DATA/silo$i.pid"), accelerator $accelerator) silo $HOST:$silo_port gateway $HOST:$gateway_port, log $dir/silo.log"
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

cat <<EOF
start-cluster: $SILOS silos running (cluster id reb-local, $([[ "$USE_REDIS" == 1 ]] && echo "Redis clustering on $HOST:$REDIS_PORT" || echo "localhost clustering, primary $HOST:$SILO_BASE")).
  artefacts: $DATA/artefacts
  use it:    reb cluster status --gateway $HOST:$GATEWAY_BASE
             reb cluster fit    --gateway $HOST:$GATEWAY_BASE ...
             reb cluster score  --gateway $HOST:$((GATEWAY_BASE + 1)) ...   (any silo's gateway serves the whole cluster)
  stop:      bash infra/stop-cluster.sh   (add --services to also stop what infra/start-services.sh started)
EOF
