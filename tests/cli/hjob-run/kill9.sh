# When hjob-run itself is killed (kill -9), its run stays "running" in the state store and shows
# as interrupted; resume refuses while the job it left behind still runs, then runs the
# unfinished jobs, skipping those that had succeeded.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > long.yaml <<'YAML'
name: long
jobs:
  first: {run: 'echo first >> ran'}
  long:
    # The first time, it waits (forever) while ./block exists; later it passes.
    run: 'echo long >> ran; if [ ! -e seen ]; then : > seen; echo $$ > long.pid; while [ -e block ]; do sleep 0.05; done; fi'
    needs: first
  last: {run: 'echo last >> ran', needs: long}
YAML
touch block
sh -c 'hjob-run run long.yaml & echo $! > holder.pid; wait' >/dev/null 2>&1 &
waiter=$!
id=$(wait_run)
wait_job "$id" long running
for _ in $(seq 200); do [ -s long.pid ] && break; sleep 0.05; done
kill -KILL "$(cat holder.pid)"
wait "$waiter"
rn hjob-run status "$id"
rn hjob-run list
# The job's shell still runs in its own process group: a resume now would run it twice.
rn hjob-run resume "$id"
rm block
for _ in $(seq 200); do kill -0 "$(cat long.pid)" 2>/dev/null || break; sleep 0.05; done
rn hjob-run resume "$id"
echo "jobs run, in order:" $(cat ran)
