# Memory grows with the checks in flight, not with the number of checks: 20,000 HTTP and TCP
# checks of a local nginx cost little more than 1,000 (each result is judged, stored and written
# as it completes; definitions stay packed).
source "$HOPS_SOURCE_DIR/tests/cli/lib/nginx.sh"
start_nginx
export HOPS_STATE_DIR=$WORK/state
gen() {  # COUNT FILE
  python3 - "$1" "$NGINX_PORT" > "$2" <<'PY'
import sys
n, port = int(sys.argv[1]), sys.argv[2]
print("monitors:")
for i in range(n):
    if i % 10 == 9:
        print(f"  t{i:05d}: {{type: tcp, target: '127.0.0.1:{port}'}}")
    else:
        print(f"  m{i:05d}: {{type: http, target: 'http://127.0.0.1:{port}/ok', body: ok}}")
PY
}
gen 1000 small.yaml
gen 20000 large.yaml
# Peak RSS in KiB of a run, its exit code, its number of output lines and its last line.
peak() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
lines = p.stdout.splitlines()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode, len(lines), lines[-1] if lines else "")
PY
}
for format in text json; do
  read -r small rc1 _ _ < <(peak hmon-check run -f small.yaml --format "$format")
  read -r large rc2 lines last < <(peak hmon-check run -f large.yaml --format "$format")
  [[ $format == json ]] && last="$lines events"
  echo "--format $format: exit $rc1 and $rc2, $last"
  per_check=$(( (large - small) * 1024 / 19000 ))
  if (( per_check < 1536 )); then echo "  under 1.5 KiB per added check"; else echo "  $per_check bytes per added check ($small KiB for 1,000, $large KiB for 20,000)"; fi
done
echo "statuses stored: $(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from monitor_status").fetchone()[0])' "$HOPS_STATE_DIR/state.db")"
