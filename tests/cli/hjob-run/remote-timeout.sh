# A remote command that outlives its timeout is stopped on the host: its whole process group (the
# shell, a sleep in the foreground and one in the background) is gone, the job fails and the job
# after it does not run.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 2
cat > flow.yaml <<'YAML'
name: slow
params:
  S:
jobs:
  sleeper:
    run: 'sleep "$S" & sleep "$S"; echo woke'
    on: {scope: lab/app, parallel: 2}
    timeout: 1s
  never: {run: [touch, never-ran], needs: sleeper}
YAML
# A sleep length no other process on the machine has: the marker pgrep looks for.
marker=600.$$$RANDOM
start=$(date +%s)
rn hjob-run run flow.yaml --param "S=$marker" | sed "s/$marker/MARKER/"
end=$(date +%s)
[ $((end - start)) -lt 10 ] && echo "stopped within the timeout and grace"
for _ in $(seq 100); do pgrep -f "sleep $marker\$" >/dev/null || break; sleep 0.05; done
pgrep -f "sleep $marker\$" >/dev/null && echo "a remote sleep still runs" || echo "the remote sleeps are gone"
[ -e never-ran ] && echo "the job after it ran" || echo "the job after it did not run"
results_by_node "$(last_run)"
