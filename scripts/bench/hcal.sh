#!/usr/bin/env bash
# Benchmarks hcal against the same questions answered by Python's `holidays` package
# (Debian python3-holidays), in the same run, and prints the ratios.
#   1. one question, whole process: `hcal is-open` and `hcal holidays --year 2026`
#      (targets: < 5 ms wall and >= 10x faster than the Python one-liner, < 10 MiB peak RSS)
#   2. every business day 1955-2099 (target: < 50 ms)
# Usage: scripts/bench/hcal.sh [RUNS]   (default 30 runs per measurement)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-30}
scripts/setup --bench
scripts/build --target hcal >/dev/null
hcal=$PWD/build/hcal
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same calendar for both: Mon-Fri, Japanese national holidays, Asia/Tokyo.
cat > "$work/cal.yaml" <<'YAML'
calendars:
  biz:
    timezone: Asia/Tokyo
    weekdays: mon-fri
    holidays: [jp]
YAML
export HOPS_CONFIG=$work/empty.toml
: > "$HOPS_CONFIG"

cat > "$work/is_open.py" <<'PY'
import sys, datetime, holidays
d = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).date()
sys.exit(0 if d.weekday() < 5 and d not in holidays.JP(years=d.year) else 1)
PY
cat > "$work/py_holidays.py" <<'PY'
import holidays
for d, name in sorted(holidays.JP(years=2026).items()):
    print(d.isoformat(), name, sep="\t")
PY
cat > "$work/list.py" <<'PY'
import datetime, holidays
jp = holidays.JP(years=range(1955, 2100))
d, end, one, out = datetime.date(1955, 1, 1), datetime.date(2099, 12, 31), datetime.timedelta(days=1), []
while d <= end:
    if d.weekday() < 5 and d not in jp:
        out.append(d.isoformat())
    d += one
print('\n'.join(out))
PY

# median wall time in ms of a command over $runs runs (hyperfine, no shell, exit status ignored)
median_ms() {
  hyperfine -N -i --warmup 3 -r "$runs" --export-json "$work/h.json" "$(printf '%q ' "$@")" >/dev/null 2>&1
  $py -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$work/h.json"
}
peak_kib() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -1; }

# Sanity: both answer the same business days before anything is timed.
"$hcal" -f "$work/cal.yaml" list biz --from 1955-01-01 --to 2099-12-31 | cut -f1 > "$work/hcal.txt"
$py "$work/list.py" > "$work/py.txt"
hcal_n=$(wc -l < "$work/hcal.txt"); py_n=$(wc -l < "$work/py.txt")
diff_n=$(diff "$work/hcal.txt" "$work/py.txt" | grep -c '^[<>]' || true)
echo "business days 1955-2099: hcal $hcal_n, python-holidays $py_n (lines differing: $diff_n; python-holidays $( $py -c 'import holidays; print(holidays.__version__)') has known gaps, see hcal(5))"

# Both list the same 2026 holidays (hcal's are the days the jp set closes: national, substitute
# and citizens' holidays).
"$hcal" holidays --year 2026 | cut -f1 > "$work/hcal-2026.txt"
$py "$work/py_holidays.py" | cut -f1 > "$work/py-2026.txt"
echo "holidays 2026: hcal $(wc -l < "$work/hcal-2026.txt"), python-holidays $(wc -l < "$work/py-2026.txt") (lines differing: $(diff "$work/hcal-2026.txt" "$work/py-2026.txt" | grep -c '^[<>]' || true))"

echo "runs per measurement: $runs (median wall time)"
# verdict MS RATIO: whether a one-question process meets its targets
verdict() { echo "$1 < 5 && $2 >= 10" | bc -l | sed 's/1/ok/; s/0/MISSED/'; }
a=$(median_ms "$hcal" -f "$work/cal.yaml" is-open biz)
b=$(median_ms $py "$work/is_open.py")
ra=$(peak_kib "$hcal" -f "$work/cal.yaml" is-open biz)
rb=$(peak_kib $py "$work/is_open.py")
h=$(median_ms "$hcal" holidays --year 2026)
p=$(median_ms $py "$work/py_holidays.py")
rab=$(echo "$b / $a" | bc -l); rhp=$(echo "$p / $h" | bc -l)
printf '%-44s %10s %10s %8s\n' "measurement" "hcal" "python" "ratio"
printf '%-44s %8s ms %8s ms %7.1fx  %s\n' "is-open, whole process (< 5 ms, >= 10x)" "$a" "$b" "$rab" "$(verdict "$a" "$rab")"
printf '%-44s %8s ms %8s ms %7.1fx  %s\n' "holidays --year 2026, whole process (same)" "$h" "$p" "$rhp" "$(verdict "$h" "$rhp")"
printf '%-44s %7.1f MiB %6.1f MiB %7.1fx\n' "is-open peak RSS (target < 10 MiB)" "$(echo "$ra/1024" | bc -l)" "$(echo "$rb/1024" | bc -l)" "$(echo "$rb / $ra" | bc -l)"
c=$(median_ms "$hcal" -f "$work/cal.yaml" list biz --from 1955-01-01 --to 2099-12-31)
runs=$(( runs < 10 ? runs : 10 ))
d=$(median_ms $py "$work/list.py")
printf '%-44s %8s ms %8s ms %7.1fx\n' "business days 1955-2099 (target < 50 ms)" "$c" "$d" "$(echo "$d / $c" | bc -l)"
