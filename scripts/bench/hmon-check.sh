#!/usr/bin/env bash
# Benchmarks hmon-check against the peers named in its issue, in the same run, on loopback:
#   1,000 HTTP checks of a local nginx in one `hmon-check run`, beside
#     (a) check_http (Debian monitoring-plugins) via `xargs -P 8`   target: hmon-check >= 15x faster
#     (b) curl --parallel --parallel-max 64 over the same URLs      target: within 2x
#   peak RSS of hmon-check (target < 64 MiB); 10,000 HTTP checks; 1,000 TCP checks;
#   100,000 HTTP checks (a large site: 1,000 nodes x 100 items), time and peak RSS beside
#     curl --parallel's (target: hmon-check under 128 MiB).
# Usage: scripts/bench/hmon-check.sh [RUNS]   (default 5 runs per measurement, median reported)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
scripts/setup --bench
scripts/build --target hmon-check >/dev/null
hmon=$PWD/build/hmon-check
check_http=/usr/lib/nagios/plugins/check_http
check_tcp=/usr/lib/nagios/plugins/check_tcp
work=$(mktemp -d)
nginx_pid=""
cleanup() {
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export HOPS_CONFIG=$work/config.toml HOPS_STATE_DIR=$work/state
: > "$HOPS_CONFIG"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done

gen_monitors() {  # COUNT TYPE FILE
  local n=$1 type=$2 file=$3
  python3 - "$n" "$type" "$port" > "$file" <<'PY'
import sys
n, kind, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("monitors:")
for i in range(n):
    if kind == "http":
        print(f"  m{i:05d}: {{type: http, target: 'http://127.0.0.1:{port}/m{i:05d}', status: 200, body: ok}}")
    else:
        print(f"  m{i:05d}: {{type: tcp, target: '127.0.0.1:{port}'}}")
PY
}
gen_monitors 1000 http "$work/http1k.yaml"
gen_monitors 10000 http "$work/http10k.yaml"
gen_monitors 1000 tcp "$work/tcp1k.yaml"
gen_monitors 100000 http "$work/http100k.yaml"
for i in $(seq 0 999); do printf '/m%05d\n' "$i"; done > "$work/paths1k"
sed "s|^|url = \"http://127.0.0.1:$port|; s|$|\"\noutput = \"/dev/null\"|" "$work/paths1k" > "$work/curl1k.cfg"
for i in $(seq 0 9999); do printf 'url = "http://127.0.0.1:%s/m%05d"\noutput = "/dev/null"\n' "$port" "$i"; done > "$work/curl10k.cfg"
python3 - "$port" > "$work/curl100k.cfg" <<'PY'
import sys
for i in range(100000):
    print(f'url = "http://127.0.0.1:{sys.argv[1]}/m{i:05d}"\noutput = "/dev/null"')
PY

# Sanity: every check passes before anything is timed.
"$hmon" run -f "$work/http1k.yaml" --format nagios --no-state | head -1 | cut -c1-60
"$hmon" run -f "$work/tcp1k.yaml" --format nagios --no-state | head -1 | cut -c1-60

source scripts/bench/lib.sh

hmon_http1k() { "$hmon" run -f "$work/http1k.yaml" --format json; }
hmon_http10k() { "$hmon" run -f "$work/http10k.yaml" --format json; }
hmon_tcp1k() { "$hmon" run -f "$work/tcp1k.yaml" --format json; }
xargs_check_http() { xargs -P 8 -I{} "$check_http" -H 127.0.0.1 -p "$port" -u {} -s ok < "$work/paths1k"; }
xargs_check_tcp() { xargs -P 8 -I{} "$check_tcp" -H 127.0.0.1 -p "$port" < "$work/paths1k"; }
curl_par1k() { curl -s --parallel --parallel-max 64 -K "$work/curl1k.cfg"; }
curl_par10k() { curl -s --parallel --parallel-max 64 -K "$work/curl10k.cfg"; }
# Wall time in seconds and peak RSS in MiB of one run of "$@".
time_and_peak() {
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f %M "$@" >/dev/null 2>"$work/time.err" || true
  t1=$(date +%s%N)
  printf '%.3f %.1f\n' "$(echo "($t1 - $t0) / 1000000000" | bc -l)" "$(tail -1 "$work/time.err" | awk '{print $1/1024}')"
}

echo "runs per measurement: $runs (median wall time; hmon-check keeps state in a fresh state.db)"
a=$(median hmon_http1k); b=$(median xargs_check_http); c=$(median curl_par1k)
printf '%-52s %9s s\n' "hmon-check run, 1,000 HTTP checks" "$a"
printf '%-52s %9s s   hmon-check is %.1fx faster (target >= 15x)\n' "check_http via xargs -P 8, 1,000 URLs" "$b" "$(echo "$b / $a" | bc -l)"
printf '%-52s %9s s   hmon-check takes %.2fx its time (target <= 2x)\n' "curl --parallel --parallel-max 64, 1,000 URLs" "$c" "$(echo "$a / $c" | bc -l)"
printf '%-52s %9s MiB (target < 64)\n' "hmon-check peak RSS, 1,000 HTTP checks" "$(peak_mib "$hmon" run -f "$work/http1k.yaml" --format json)"
d=$(median hmon_http10k); e=$(median curl_par10k)
printf '%-52s %9s s   %.2fx curl --parallel (%s s); %.1fx the 1,000-check time\n' "hmon-check run, 10,000 HTTP checks" "$d" "$(echo "$d / $e" | bc -l)" "$e" "$(echo "$d / $a" | bc -l)"
printf '%-52s %9s MiB\n' "hmon-check peak RSS, 10,000 HTTP checks" "$(peak_mib "$hmon" run -f "$work/http10k.yaml" --format json)"
f=$(median hmon_tcp1k); g=$(median xargs_check_tcp)
printf '%-52s %9s s   check_tcp via xargs -P 8: %s s (%.1fx)\n' "hmon-check run, 1,000 TCP checks" "$f" "$g" "$(echo "$g / $f" | bc -l)"
# 100,000 checks: one run each (a run takes seconds); the first hmon-check run parses the file
# and fills the definition cache, the second uses it, as cron runs after the first do.
read -r h1 m1 < <(time_and_peak "$hmon" run -f "$work/http100k.yaml" --format json)
read -r h2 m2 < <(time_and_peak "$hmon" run -f "$work/http100k.yaml" --format json)
read -r c3 m3 < <(time_and_peak curl -s --parallel --parallel-max 64 -K "$work/curl100k.cfg")
printf '%-52s %9s s   %6s MiB peak (target < 128)\n' "hmon-check run, 100,000 HTTP checks (parse + cache)" "$h1" "$m1"
printf '%-52s %9s s   %6s MiB peak; %.2fx curl'"'"'s time\n' "hmon-check run, 100,000 HTTP checks (cached)" "$h2" "$m2" "$(echo "$h2 / $c3" | bc -l)"
printf '%-52s %9s s   %6s MiB peak\n' "curl --parallel --parallel-max 64, 100,000 URLs" "$c3" "$m3"
