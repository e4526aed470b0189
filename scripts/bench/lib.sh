# Timing helpers of the benches; source after setting runs (runs per measurement) and work (a
# temporary directory).
# median CMD...  the median wall time in seconds of running CMD $runs times
median() {
  local i t0 t1 ts=()
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    ts+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.4f", a[int((NR+1)/2)]/1e6}'
}
# peak_mib CMD...  the peak RSS of one run of CMD, in MiB
peak_mib() { { /usr/bin/time -f %M "$@" >/dev/null 2>"$work/time.err" || true; }; tail -1 "$work/time.err" | awk '{printf "%.1f", $1/1024}'; }
