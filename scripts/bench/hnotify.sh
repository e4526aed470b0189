#!/usr/bin/env bash
# Benchmarks hnotify against Debian's apprise, in the same run, into the same local webhook
# receiver (tests/unit/testing/http_receiver.py, which records every request):
#   1,000 events (monitor results, distinct keys, plus 1,000 repeats that dedupe suppresses)
#   through `hnotify send` (routing, dedupe, the spool, a webhook channel), beside
#   apprise sending 1,000 messages to the receiver's json:// URL from one Python process (the
#   apprise library, so its start-up is paid once)           target: hnotify >= 50x faster per notification
#   and beside the apprise command, one process per message as a traphandle, omprog or cron job
#   would run it (a sample of APPRISE_CLI_RUNS messages, default 100: it takes ~0.3 s each);
#   peak RSS of both.
# Usage: scripts/bench/hnotify.sh [RUNS]   (default 3 runs per measurement, median reported)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
scripts/setup --bench
scripts/build --target hnotify >/dev/null
hnotify=$PWD/build/hnotify
work=$(mktemp -d)
receiver_pid=""
cleanup() {
  [[ -n "$receiver_pid" ]] && kill "$receiver_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
source scripts/bench/lib.sh
export HOPS_CONFIG=$work/config.toml HOPS_STATE_DIR=$work/state
: > "$HOPS_CONFIG"
n=1000

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 tests/unit/testing/http_receiver.py "$port" "$work/requests.jsonl" "$work/plan" >"$work/receiver.log" 2>&1 &
receiver_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done

cat > "$work/notify.yaml" <<YAML
channels:
  hook: {type: webhook, url: 'http://127.0.0.1:$port/hook', timeout: 5s}
  pager: {type: webhook, url: 'http://127.0.0.1:$port/pager', timeout: 5s}
routes:
  - name: pages
    match: {severity: critical, scope: tokyo/db}
    channels: [pager]
  - name: everything
    match: {severity: [warning, critical, unknown]}
    channels: [hook]
YAML
python3 - "$n" > "$work/events.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
for rep in range(2):  # the second round repeats every key and status: dedupe suppresses it
    for i in range(n):
        print(json.dumps({"v": 1, "time": "2026-05-07T03:12:45.512Z", "tool": "hmon-check", "host": "ops1",
                          "kind": "monitor.result", "key": f"hmon-check/m{i:04d}/web{i % 50:02d}",
                          "status": "critical", "severity": "critical", "summary": f"m{i:04d} is critical",
                          "scope": "tokyo/web", "node": f"web{i % 50:02d}", "changed": True}))
PY
cat > "$work/send_apprise.py" <<'PY'
import sys
import apprise
n, url = int(sys.argv[1]), sys.argv[2]
a = apprise.Apprise()
a.add(url)
for i in range(n):
    if not a.notify(title=f"m{i:04d} critical", body=f"m{i:04d} is critical"):
        sys.exit(1)
PY

hnotify_run() {
  rm -rf "$HOPS_STATE_DIR"
  "$hnotify" send -c "$work/notify.yaml" < "$work/events.jsonl"
}
# Debian's apprise is a module of the system Python (the one /usr/bin/apprise runs).
apprise_python=$(sed -n '1s/^#!//p' /usr/bin/apprise)
apprise_run() { "$apprise_python" "$work/send_apprise.py" "$n" "json://127.0.0.1:$port/apprise"; }
count() { grep -c "\"path\": \"/$1\"" "$work/requests.jsonl" || true; }

echo "runs per measurement: $runs (median wall time; hnotify starts from an empty state store each run)"
: > "$work/requests.jsonl"
hnotify_run >/dev/null 2>&1
echo "check: hnotify delivered $(count hook) of $n (the $n repeats suppressed)"
apprise_run >/dev/null
echo "check: apprise delivered $(count apprise) of $n"
a=$(median hnotify_run)
b=$(median apprise_run)
printf '%-58s %9s s   %8.3f ms per notification\n' "hnotify send, $n events (+$n repeats) -> webhook" "$a" "$(echo "$a * 1000 / $n" | bc -l)"
printf '%-58s %9s s   %8.3f ms per notification\n' "apprise (library, one process), $n messages -> json://" "$b" "$(echo "$b * 1000 / $n" | bc -l)"
cli_n=${APPRISE_CLI_RUNS:-100}
t0=$(date +%s%N)
for ((i = 0; i < cli_n; i++)); do
  apprise -t "m$i critical" -b "m$i is critical" "json://127.0.0.1:$port/apprise-cli" >/dev/null 2>&1
done
c=$(echo "($(date +%s%N) - $t0) / 1000000000 / $cli_n" | bc -l)
echo "check: the apprise command delivered $(count apprise-cli) of $cli_n"
printf '%-58s %9.4f s   %8.3f ms per notification\n' "apprise command, one process per message ($cli_n sampled)" "$(echo "$c * $n" | bc -l)" "$(echo "$c * 1000" | bc -l)"
printf '%-58s %9.1fx (target >= 50x)\n' "hnotify per notification, faster than apprise (library)" "$(echo "$b / $a" | bc -l)"
printf '%-58s %9.1fx (target >= 50x)\n' "hnotify per notification, faster than the apprise command" "$(echo "$c * $n / $a" | bc -l)"
rm -rf "$HOPS_STATE_DIR"
printf '%-58s %9s MiB\n' "hnotify peak RSS" "$(peak_mib "$hnotify" send -c "$work/notify.yaml" --from events < "$work/events.jsonl")"
printf '%-58s %9s MiB\n' "apprise peak RSS" "$(peak_mib "$apprise_python" "$work/send_apprise.py" "$n" "json://127.0.0.1:$port/apprise")"
