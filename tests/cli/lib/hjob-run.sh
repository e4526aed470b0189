# Helpers for hjob-run's CLI cases (source it): output made stable, and waiting on runs that go on
# in the background.

# norm: run ids, timestamps, durations and host names replaced by placeholders.
norm() {
  sed -E -e 's/[0-9]{8}-[0-9]{6}-[0-9a-f]{4}/RUN/g' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/TIME/g' \
    -e 's/\t([0-9]+(d|h|m|s|ms))+(\t|$)/\tDUR\3/g' \
    -e 's/"duration_ms":[0-9.]+/"duration_ms":N/g; s/,TIME,TIME,[0-9]+,/,TIME,TIME,N,/' \
    -e "s/\"host\":\"[^\"]*\"/\"host\":\"HOST\"/g; s/ on $(uname -n)\)/ on HOST)/g" \
    -e "s/ by $(id -un)\b/ by USER/g" \
    -e 's/pid [0-9]+/pid PID/g; s/group [0-9]+/group PGID/g; s/-- -[0-9]+/-- -PGID/g'
}

# rn CMD...: run (see prelude.sh) with normalised output.
rn() { run "$@" | norm; }

# last_run: the id of the newest run ("" when none).
last_run() { hjob-run list --limit 1 2>/dev/null | cut -f1; }

# wait_run: waits up to 10 s for a run to be recorded; prints its id.
wait_run() {
  local id
  for _ in $(seq 200); do
    id=$(last_run)
    [[ -n $id ]] && { echo "$id"; return 0; }
    sleep 0.05
  done
  echo "no run was recorded" >&2
  return 1
}

# wait_job RUN JOB STATE: waits up to 10 s until JOB of RUN is in STATE.
wait_job() {
  for _ in $(seq 200); do
    hjob-run status "$1" 2>/dev/null | grep -q "^$2	$3" && return 0
    sleep 0.05
  done
  echo "timed out waiting for job $2 of run $1 to be $3" >&2
  return 1
}

# write_cutover: cutover.yaml, a flow of three jobs with an approval (ask) between the two runs.
write_cutover() {
  cat > cutover.yaml <<'YAML'
name: cutover
jobs:
  prepare: {run: [echo, ready]}
  ask:
    approval: {message: "Switch production to the new database?", timeout: 1m}
    needs: prepare
  switch: {run: [echo, switched], needs: ask}
YAML
}
