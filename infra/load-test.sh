#!/usr/bin/env bash
# Load test of the HTTP gateway on a 2-silo cluster on loopback:
#   1. builds Reb.Cli (which builds Reb.Silo) in Release, starts 2 silos with their HTTP gateways
#      (silo 1: HTTP 127.0.0.1:$HTTP_BASE, silo 2: HTTP $((HTTP_BASE + 1))), a bootstrap admin key from the environment;
#   2. creates an operator key (POST /api/keys) and trains line "pcb" on samples/deeppcb with the cluster
#      (reb cluster fit --gateway ...);
#   3. run A: `reb load` against both silos' HTTP ports for $SECONDS_RUN s, then the single-process `reb score` rate on
#      the same images and the same model version (fetched from the artefact store) for the ratio;
#   4. run B: the same, with silo 2 killed (SIGKILL) halfway;
#   5. prints both tables again and stops silo 1. Results: infra/.data/load/{run-a,run-b}/load.json, silo logs there too.
#
# Options: --clients N (4)  --seconds T (60)  --no-build  --keep (leave silo 1 running)
# Orleans ports are plaintext (loopback only).
# Ports (all loopback) move with REB_LOAD_PORT_BASE (21111: silo ports 21111/21112, Orleans gateways +10000,
# HTTP 18081/18082 via REB_LOAD_HTTP_BASE), so a dev cluster of infra/start-cluster.sh can run next to it.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$INFRA/.." && pwd)"
DATA="$INFRA/.data/load"
HOST="127.0.0.1"
SILO_BASE="${REB_LOAD_PORT_BASE:-21111}"
GATEWAY_BASE=$((SILO_BASE + 10000))
HTTP_BASE="${REB_LOAD_HTTP_BASE:-18081}"
CONFIG=Release
SILO_BIN="$ROOT/src/Reb.Silo/bin/$CONFIG/net10.0"
CLI_BIN="$ROOT/src/Reb.Cli/bin/$CONFIG/net10.0"
CLIENTS=4 SECONDS_RUN=60 BUILD=1 KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --clients) CLIENTS="$2"; shift 2 ;;
    --seconds) SECONDS_RUN="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "load-test: unknown option '$1' (known: --clients N, --seconds T, --no-build, --keep)" >&2; exit 2 ;;
  esac
done

answers() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
reb() { dotnet "$CLI_BIN/reb.dll" "$@"; }

for port in $SILO_BASE $((SILO_BASE + 1)) $GATEWAY_BASE $((GATEWAY_BASE + 1)) $HTTP_BASE $((HTTP_BASE + 1)); do
  if answers "$port"; then echo "load-test: $HOST:$port already answers; is a previous run still up? (kill the pids in $DATA/*.pid)" >&2; exit 1; fi
done

if [[ "$BUILD" == 1 ]]; then
  echo "load-test: building Reb.Cli and Reb.Silo ($CONFIG)"
  dotnet build "$ROOT/src/Reb.Cli/Reb.Cli.csproj" -c "$CONFIG" -nologo -v q >/dev/null
fi
[[ -f "$SILO_BIN/Reb.Silo.dll" && -f "$CLI_BIN/reb.dll" ]] || { echo "load-test: no $CONFIG build; run without --no-build" >&2; exit 1; }

rm -rf "$DATA"
mkdir -p "$DATA/artefacts"
# Membership and grain state (API keys, line registries) in the PostgreSQL of start-services.sh, which both silos share:
# with memory storage, the state of grains that lived on the killed silo would be gone (first try: every request after
# the kill got 401, the key store had been there). A service id of this run's own starts it from empty state.
PG_PORT="${REB_POSTGRES_PORT:-5433}"
answers "$PG_PORT" || bash "$INFRA/start-services.sh"
PG_CONNECTION="Host=$HOST;Port=$PG_PORT;Username=reb;Database=reb"
SERVICE_ID="reb-load-$(date +%s)"
# A fresh development admin key for this run only (the gateway keeps only its hash, in memory).
ADMIN_KEY="reb_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

start_silo() { # index
  local i="$1" dir="$DATA/silo$1"
  mkdir -p "$dir/cache"
  (cd "$dir" && exec nohup env \
      "REB__SILO__SILOPORT=$((SILO_BASE + i - 1))" "REB__SILO__GATEWAYPORT=$((GATEWAY_BASE + i - 1))" \
      "REB__SILO__CLUSTERID=reb-load" "REB__SILO__SERVICEID=$SERVICE_ID" "REB__TLS__MODE=off" \
      "REB__SILO__CLUSTERING=adonet" "REB__SILO__REMINDERS=memory" \
      "REB__SILO__GRAINSTORAGE=adonet" "REB__SILO__ADONETCONNECTIONSTRING=$PG_CONNECTION" \
      "REB__ARTEFACTSTORE__KIND=local" "REB__ARTEFACTSTORE__ROOT=$DATA/artefacts" "REB__CACHEROOT=$dir/cache" \
      "REB__GATEWAY__HTTPPORT=$((HTTP_BASE + i - 1))" "REB__GATEWAY__BOOTSTRAPADMINKEY=$ADMIN_KEY" \
      "REB__GATEWAY__RATELIMITPERMINUTE=1000000" \
      dotnet "$SILO_BIN/Reb.Silo.dll" --contentRoot "$SILO_BIN" >"$dir/silo.log" 2>&1) &
  echo $! >"$DATA/silo$i.pid"
  echo "load-test: silo $i pid $(cat "$DATA/silo$i.pid"), HTTP $HOST:$((HTTP_BASE + i - 1)), log $dir/silo.log"
}

wait_ready() { # index timeout-seconds: /readyz answers 200 (cluster and artefact store)
  local i="$1" url="http://$HOST:$((HTTP_BASE + $1 - 1))/readyz"
  for _ in $(seq 1 $(($2 * 2))); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" == 200 ]]; then echo "load-test: silo $i ready"; return 0; fi
    kill -0 "$(cat "$DATA/silo$i.pid")" 2>/dev/null || { echo "load-test: silo $i exited; log:" >&2; tail -n 30 "$DATA/silo$i/silo.log" >&2; return 1; }
    sleep 0.5
  done
  echo "load-test: silo $i not ready within $2 s" >&2; return 1
}

stop_all() {
  [[ "$KEEP" == 1 ]] && { echo "load-test: --keep: silos left running (pids in $DATA/*.pid)"; return 0; }
  for f in "$DATA"/silo2.pid "$DATA"/silo1.pid; do
    [[ -f "$f" ]] || continue
    local pid; pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q Reb.Silo.dll; then
      kill -TERM "$pid"
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      echo "load-test: stopped $(basename "$f" .pid) (pid $pid)"
    fi
    rm -f "$f"
  done
}
trap stop_all EXIT

start_silo 1
wait_ready 1 180
start_silo 2
wait_ready 2 180

HTTP1="http://$HOST:$HTTP_BASE"
OPERATOR_KEY="$(curl -sf -X POST "$HTTP1/api/keys" -H "X-Api-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
  -d '{"name":"load-test","role":"operator"}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')"
[[ -n "$OPERATOR_KEY" ]] || { echo "load-test: could not create an operator key" >&2; exit 1; }

echo "load-test: training line pcb on samples/deeppcb with the cluster (2 shards)"
reb cluster fit --gateway "$HOST:$GATEWAY_BASE" --cluster-id reb-load --service-id "$SERVICE_ID" --artefacts "$DATA/artefacts" \
  --line pcb --data "$ROOT/samples/deeppcb" --shards 2 --image-size 256

IMAGES="$ROOT/samples/deeppcb/test"
HTTP2="http://$HOST:$((HTTP_BASE + 1))"
# Both silos' HTTP endpoints: the clients spread over them and fail over when silo 2 is killed in run B.
LOAD=(--url "$HTTP1" "$HTTP2" --key "$OPERATOR_KEY" --line pcb --images "$IMAGES" --clients "$CLIENTS" --seconds "$SECONDS_RUN" --timeout 30)
echo "load-test: load average before run A: $(cut -d' ' -f1-3 /proc/loadavg)"
reb load "${LOAD[@]}" --out "$DATA/run-a" --title "run A: 2 silos, $CLIENTS clients x $SECONDS_RUN s" \
  --baseline-artefacts "$DATA/artefacts" --baseline-seconds 20 | tee "$DATA/run-a.txt"

echo "load-test: load average before run B: $(cut -d' ' -f1-3 /proc/loadavg)"
reb load "${LOAD[@]}" --out "$DATA/run-b" --title "run B: silo 2 killed after $((SECONDS_RUN / 2)) s" \
  --kill-silo-after $((SECONDS_RUN / 2)) --silo-pid "$(cat "$DATA/silo2.pid")" | tee "$DATA/run-b.txt"
rm -f "$DATA/silo2.pid"
echo "load-test: load average after: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

echo; echo "===== summary ====="
cat "$DATA/run-a.txt" "$DATA/run-b.txt" | grep -v '^reb load:\|^written'
echo "load-test: results in $DATA/run-a/load.json and $DATA/run-b/load.json"
