# mode one_of over SSH hosts tries the nodes in order until one succeeds: past a node whose
# command fails and past a node that cannot be reached; the nodes after the one that succeeded
# never run. When every node fails, the job fails.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 3
# The port of a host is random.
ports() { sed -E "s/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g"; }
cat > flow.yaml <<'YAML'
name: oneof
params:
  DIR:
  BAD:
jobs:
  pick:
    run: 'cd "$DIR" && echo "$HOPS_NODE" >> ran && case " $BAD " in *" $HOPS_NODE "*) exit 1;; esac && echo "served by $HOPS_NODE"'
    on: {nodes: [host1, host2, host3], mode: one_of}
YAML
rn hjob-run run flow.yaml --param "DIR=$WORK" --param BAD=host1
echo "ran on:" $(cat ran)
rn hjob-run results "$(last_run)" --format csv

# host1's sshd is down: the node cannot be reached, host2 takes over.
kill "${SSHD_PIDS[0]}"; wait "${SSHD_PIDS[0]}" 2>/dev/null
: > ran
run hjob-run run flow.yaml --param "DIR=$WORK" --param BAD= | norm | ports
echo "ran on:" $(cat ran)
hjob-run results "$(last_run)" --format csv | norm | ports

# Every node fails.
: > ran
run hjob-run run flow.yaml --param "DIR=$WORK" --param 'BAD=host2 host3' | norm | ports
echo "ran on:" $(cat ran)
hjob-run results "$(last_run)" --format csv | norm | ports
