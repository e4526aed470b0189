# A job's timeout stops its whole process group (the command and what it started), fails the job
# and the run; retries wait and count their attempts.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > slow.yaml <<'YAML'
name: slow
jobs:
  sleeper:
    run: 'sleep 60 & echo $! > child.pid; echo $$ > shell.pid; sleep 60'
    timeout: 1s
  never: {run: [touch, never-ran], needs: sleeper}
YAML
start=$(date +%s)
rn hjob-run run slow.yaml
end=$(date +%s)
[ $((end - start)) -lt 10 ] && echo "stopped within the timeout and grace"
for f in child shell; do
  pid=$(cat $f.pid)
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && echo "$f still runs" || echo "$f is gone"
done
[ -e never-ran ] && echo "the job after it ran" || echo "the job after it did not run"

cat > retry.yaml <<'YAML'
name: retry
jobs:
  flaky:
    # Fails twice, then succeeds.
    run: 'n=$(cat n 2>/dev/null || echo 0); n=$((n + 1)); echo $n > n; echo "attempt $n"; [ $n -ge 3 ]'
    retry: {count: 5, delay: 100ms, backoff: 2}
YAML
rn hjob-run run retry.yaml
id=$(last_run)
rn hjob-run logs "$id" flaky
hjob-run results "$id" --format json | grep -o '"attempts":[0-9]*'
