#!/usr/bin/env bash
# What the machine looks like now, in a few lines: which of start-services.sh's services are still alive, memory and
# disk left, the biggest processes, and any process the kernel's OOM killer ended. .ci/run prints it on the way out,
# so that a run that failed or was stopped by CI's time limit says what state it left the machine in.
set -uo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$INFRA/.data/run"
echo "ci-diagnostics: $(date -u +%FT%TZ), up $(cut -d' ' -f1 /proc/uptime) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for entry in azurite-blob:${REB_AZURITE_BLOB_PORT:-10000} azurite-table:${REB_AZURITE_TABLE_PORT:-10002} \
             redis:${REB_REDIS_PORT:-6379} mosquitto:${REB_MOSQUITTO_PORT:-1883} postgres:${REB_POSTGRES_PORT:-5433}; do
  name="${entry%%:*}" port="${entry##*:}"
  pid="$(cat "$RUN/$name.pid" 2>/dev/null || true)"
  if answers "$port"; then port_state="port $port answers"; else port_state="port $port does NOT answer"; fi
  if [[ -z "$pid" ]]; then state="not started by start-services.sh here"
  elif kill -0 "$pid" 2>/dev/null; then state="alive (pid $pid)"
  else state="DEAD (pid $pid)"; fi
  echo "ci-diagnostics: $name $state, $port_state"
  log="$INFRA/.data/logs/$name.log"
  [[ "$state" == DEAD* && -f "$log" ]] && tail -n 3 "$log" | sed "s/^/ci-diagnostics:   $name log: /"
done
free -m | awk '/Mem/ { printf "ci-diagnostics: memory used %d MiB, available %d MiB of %d MiB\n", $3, $7, $2 }'
df -h "$INFRA" /tmp 2>/dev/null | awk 'NR > 1 { printf "ci-diagnostics: disk %s: %s free of %s\n", $6, $4, $2 }'
ps -eo pid,rss,pcpu,etimes,args --sort=-rss 2>/dev/null | head -n 6 | awk 'NR == 1 { next }
  { printf "ci-diagnostics: pid %s rss %d MiB cpu %s%% age %s s: %s\n", $1, $2 / 1024, $3, $4, substr($0, index($0, $5), 90) }'
if dmesg >/dev/null 2>&1; then
  dmesg | grep -i -E "out of memory|oom-kill|killed process" | tail -n 5 | sed 's/^/ci-diagnostics: kernel: /'
fi
exit 0
