# A node that freezes mid-command (its sshd processes stopped: the kernel still acknowledges TCP,
# nothing answers) ends the job as failed, "connection lost", within the keepalive limits, and the
# flow stops there. Once the node is back, resume refuses (exit 4) while the lost command still
# runs there, then runs the job again on that node only.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 2
printf 'keepalive = "1s"\nconnect_timeout = "2s"\n' >> "$HOPS_CONFIG"
cat > flow.yaml <<'YAML'
name: vanish
params:
  S:
  DIR:
jobs:
  work:
    run: 'echo "$HOPS_NODE" >> "$DIR/ran"; if [ "$HOPS_NODE" = host1 ] && mkdir "$DIR/froze" 2>/dev/null; then sleep "$S"; fi; echo finished'
    on: {scope: lab/app, parallel: 2}
  after: {run: [touch, after-ran], needs: work}
YAML
# A sleep length no other process on the machine has: the marker pgrep looks for.
marker=60.$$$RANDOM
on_exit "pkill -KILL -f 'sleep $marker\$'"
start=$(date +%s)
hjob-run run flow.yaml --param "S=$marker" --param "DIR=$WORK" > out.txt 2>&1 &
hj=$!
for _ in $(seq 200); do pgrep -f "sleep $marker\$" >/dev/null && break; sleep 0.05; done
# host1 freezes: the per-connection processes of its sshd (children and grandchildren).
frozen=$(pgrep -P "${SSHD_PIDS[0]}")
frozen="$frozen $(for p in $frozen; do pgrep -P "$p"; done)"
kill -STOP $frozen
timeout 30 tail --pid=$hj -f /dev/null
end=$(date +%s)
kill -KILL $frozen
wait $hj
echo "[exit $?]"
[ $((end - start)) -lt 10 ] && echo "ended within the keepalive limits" || echo "ended after $((end - start))s"
norm < out.txt | sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g'
[ -e after-ran ] && echo "the job after it ran" || echo "the job after it did not run"
# host1 is back (a new sshd serves new connections); its lost command still runs.
pgrep -f "sleep $marker\$" >/dev/null && echo "the lost command still runs on host1"
rn hjob-run resume "$(last_run)" | sed -E 's/kill -TERM -[0-9]+/kill -TERM -PGID/'
pkill -KILL -f "sleep $marker\$"
for _ in $(seq 200); do pgrep -f "sleep $marker\$" >/dev/null || break; sleep 0.05; done
rn hjob-run resume "$(last_run)"
echo "commands started on: $(sort ran | uniq -c | xargs)"
results_by_node "$(last_run)"
