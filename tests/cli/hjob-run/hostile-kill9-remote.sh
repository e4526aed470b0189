# hjob-run killed (kill -9) during a fan-out on 3 nodes: the remote commands keep running (sshd
# does not signal a command without a terminal when its connection closes), so resume refuses
# (exit 4) while they run, naming the node and process group; once they are gone it runs the job
# again on every node. A second run of the flow meanwhile is refused by the lock (exit 4).
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 3
cat > flow.yaml <<'YAML'
name: fan
params:
  DIR:
jobs:
  work:
    # The first time, each waits while $DIR/block exists; later it passes.
    run: |
      echo "$HOPS_NODE" >> "$DIR/ran"
      if mkdir "$DIR/seen-$HOPS_NODE" 2>/dev/null; then
        echo $$ > "$DIR/pid-$HOPS_NODE"
        while [ -e "$DIR/block" ]; do sleep 0.05; done
      fi
    on: {scope: lab/app, parallel: 3}
  last: {run: 'echo last >> ran', needs: work}
YAML
touch block
on_exit "rm -f '$WORK/block'"
hjob-run run flow.yaml --param "DIR=$WORK" > /dev/null 2>&1 &
hj=$!
disown "$hj"  # its kill -9 below is meant: no "Killed" notice from the shell, whenever it notices
id=$(wait_run)
for _ in $(seq 200); do [ -s pid-host1 ] && [ -s pid-host2 ] && [ -s pid-host3 ] && break; sleep 0.05; done
for n in host1 host2 host3; do wait_job "$id" "work@$n" running; done
rn hjob-run run flow.yaml --param "DIR=$WORK"
kill -KILL "$hj"
for _ in $(seq 200); do kill -0 "$hj" 2>/dev/null || break; sleep 0.05; done
alive=0
for n in host1 host2 host3; do kill -0 "$(cat "pid-$n")" 2>/dev/null && alive=$((alive + 1)); done
echo "remote commands still running after kill -9: $alive"
rn hjob-run resume "$id" | sed -E 's/kill -TERM -[0-9]+/kill -TERM -PGID/'
rm block
for n in host1 host2 host3; do
  for _ in $(seq 200); do kill -0 "$(cat "pid-$n")" 2>/dev/null || break; sleep 0.05; done
done
rn hjob-run resume "$id"
echo "commands started on: $(sort ran | uniq -c | xargs)"
