# A job fanned out over three SSH hosts where one node fails: the run fails (exit 1), results and
# logs show each node, and resume reruns only the node that failed.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 3
cat > flow.yaml <<'YAML'
name: fanout
params:
  DIR:
jobs:
  check:
    # host2 fails until $DIR/fixed exists.
    run: |
      cd "$DIR" || exit 9
      echo "$HOPS_NODE" >> ran
      if [ "$HOPS_NODE" = host2 ] && [ ! -e fixed ]; then echo "disk full on $HOPS_NODE" >&2; exit 3; fi
      echo "ok on $HOPS_NODE"
    on: {scope: lab/app, parallel: 3}
  after: {run: [echo, after], needs: check}
YAML
rn hjob-run run flow.yaml --param "DIR=$WORK"
id=$(last_run)
echo "ran on:" $(sort ran)
results_by_node "$id"
rn hjob-run logs "$id" check --node host2
for n in host1 host3; do rn hjob-run logs "$id" check --node $n; done

# Resume reruns host2 only, then the job after it.
: > ran
touch fixed
rn hjob-run resume "$id"
echo "ran on:" $(sort ran)
results_by_node "$id"
rn hjob-run logs "$id" check --node host2
