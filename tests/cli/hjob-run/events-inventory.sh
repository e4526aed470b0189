# --events reads the inventory again for each run: events piped from `hscope-sync sync --format
# json` name nodes that the sync wrote only just before it printed them, after hjob-run started.
# Here the second event's node (host2) joins the inventory only once the first event's run is
# over; a run that used the inventory of hjob-run's start would not know host2.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 2
mv inventory.yaml both.yaml
sed '/^  host2:/,$d' both.yaml > inventory.yaml
cat > setup.yaml <<'YAML'
name: setup
events: {kind: cloud.node.added}
params:
  node:
jobs:
  mark:
    on: {nodes: ["${node}"]}
    run: 'echo "$HOPS_NODE" > "$SSHD_HOST_DIR/setup.done"'
YAML
added() {
  printf '{"v":1,"time":"2026-12-07T09:00:00Z","tool":"hscope-sync","host":"h","kind":"cloud.node.added","key":"hscope-sync/%s","status":"added","severity":"info","summary":"added %s","node":"%s"}\n' "$1" "$1" "$1"
}
# events INVENTORY: host1 added; once its run is over, INVENTORY becomes the inventory; host2
# added, host1 added.
events() {
  added host1
  for _ in $(seq 200); do [[ -f ssh/host1/setup.done ]] && break; sleep 0.05; done
  rm ssh/host1/setup.done
  cp "$1" next.yaml && mv next.yaml inventory.yaml
  added host2
  added host1
}
events both.yaml | rn hjob-run run setup.yaml --events -
for i in 1 2; do echo "host$i: $(cat "ssh/host$i/setup.done" 2>/dev/null || echo nothing)"; done
# An inventory that cannot be read skips the runs of the events after it.
rm ssh/host*/setup.done
sed '/^  host2:/,$d' both.yaml > inventory.yaml
printf 'nodes: [\n' > broken.yaml
events broken.yaml | rn hjob-run run setup.yaml --events -
for i in 1 2; do echo "host$i: $(cat "ssh/host$i/setup.done" 2>/dev/null || echo nothing)"; done
# The first sync of a host: no inventory yet when hjob-run starts; the sync writes it before it
# prints the events.
rm -f ssh/host*/setup.done inventory.yaml
first() {
  cp both.yaml next.yaml && mv next.yaml inventory.yaml
  added host2
}
first | rn hjob-run run setup.yaml --events -
for i in 1 2; do echo "host$i: $(cat "ssh/host$i/setup.done" 2>/dev/null || echo nothing)"; done
# Still none when the event comes: that event's run is skipped, saying why.
rm -f ssh/host*/setup.done inventory.yaml
added host2 | rn hjob-run run setup.yaml --events -
