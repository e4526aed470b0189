# --events with hostile events: node fields naming no node, with ../, $(...), spaces, control
# characters or 5000 bytes fail their own run (nothing in them runs, messages stay printable and
# short) while good events around them run; a malformed line and lines longer than 128 KiB (which
# no job could get in HOPS_EVENT) are reported and skipped, the long ones without holding them in
# memory; the exit status is the worst (1).
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 1
cat > flow.yaml <<'YAML'
name: ev
events: {kind: monitor.result}
params:
  node:
  DIR: {default: .}
jobs:
  a:
    on: {nodes: ["${node}"]}
    run: 'echo "$HOPS_NODE" >> "$DIR/ran"'
YAML
ev() {  # ev NODE [SUMMARY_BYTES]
  python3 - "$@" <<'PY'
import json, sys
print(json.dumps({"v": 1, "time": "2026-12-05T00:00:00Z", "tool": "t", "host": "h", "kind": "monitor.result",
                  "key": "k", "status": "critical", "severity": "critical",
                  "summary": "s" * int(sys.argv[2] if len(sys.argv) > 2 else 1), "node": sys.argv[1]}))
PY
}
{
  ev host1
  ev nosuch
  ev ../../etc/passwd
  ev '$(touch pwned)'
  ev 'a b'
  ev $'evil\nline\e[31m'
  ev "$(head -c 5000 /dev/zero | tr '\0' x)"
  echo '{"v":1, broken'
  ev host1 200000
  ev host1 20000000
  ev host1
} > events.jsonl
/usr/bin/time -o rss -f %M hjob-run run flow.yaml --events events.jsonl --param "DIR=$WORK" > out.txt 2>&1
echo "[exit $?]"
norm < out.txt | sed -E 's/(x{20})x+/\1.../'
rss=$(tail -1 rss)
[ "$rss" -lt 65536 ] && echo "peak RSS below 64 MiB" || echo "peak RSS ${rss} KiB"
echo "runs recorded: $(hjob-run list --limit 100 | wc -l)"
echo "ran on: $(xargs < ran)"
ls pwned 2>/dev/null || echo "nothing in the node fields ran"
