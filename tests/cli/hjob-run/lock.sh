# One run of a flow at a time on a host: a second `run` (or a resume of the live run) exits 4,
# naming the run that holds the flow. Meanwhile an operator can hold or skip jobs that have not
# started; the running process obeys.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > busy.yaml <<'YAML'
name: busy
parallel: 1
jobs:
  wait: {run: 'while [ -e block ]; do sleep 0.05; done'}
  skipme: {run: 'echo skipme >> ran', needs: wait}
  holdme: {run: 'echo holdme >> ran', needs: wait}
  after: {run: 'echo after >> ran', needs: holdme}
YAML
touch block
hjob-run run busy.yaml > bg.out 2> bg.err &
bg=$!
id=$(wait_run)
wait_job "$id" wait running
rn hjob-run run busy.yaml
rn hjob-run resume "$id"
rn hjob-run skip "$id" skipme --as warning
rn hjob-run hold "$id" holdme
rn hjob-run skip "$id" wait
rm block
wait "$bg"
echo "[run exit $?]"
norm < bg.out
norm < bg.err
rn hjob-run release "$id" holdme
rn hjob-run resume "$id"
echo "jobs run:" $(cat ran)
rn hjob-run hold "$id" after
rn hjob-run release "$id" after
printf 'lock file mode: '; stat -c %a "$HOPS_STATE_DIR"/locks/*.lock
