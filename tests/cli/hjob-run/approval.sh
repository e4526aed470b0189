# An approval job waits for `hjob-run approve` or `deny` from another process; its timeout decides
# by its default, and `default: hold` stops the run (exit 5) until it is approved and resumed.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
write_cutover
hjob-run run cutover.yaml > run1.out 2> run1.err &
bg=$!
id=$(wait_run)
wait_job "$id" ask waiting
rn hjob-run status "$id"
rn hjob-run approve "$id" ask --comment "checked the replica"
wait "$bg"
echo "[run exit $?]"
norm < run1.out
norm < run1.err
rn hjob-run approve "$id" ask

# Denied: the approval fails, and so does the run; the job after it does not run.
hjob-run run cutover.yaml > run2.out 2>/dev/null &
bg=$!
for _ in $(seq 200); do id2=$(last_run); [ "$id2" != "$id" ] && break; sleep 0.05; done
wait_job "$id2" ask waiting
rn hjob-run deny "$id2" ask
wait "$bg"
echo "[run exit $?]"
norm < run2.out
rn hjob-run approve "$id2" prepare

# No answer in time, default hold: the run stops held (exit 5); approved later, resume goes on.
cat > held.yaml <<'YAML'
name: held
jobs:
  ask: {approval: {message: "Go on?", timeout: 200ms, default: hold}}
  after: {run: [echo, went on], needs: ask}
YAML
rn hjob-run run held.yaml
id3=$(last_run)
rn hjob-run status "$id3"
rn hjob-run approve "$id3" ask
rn hjob-run resume "$id3"
