# A real snmptrapd hands each trap to `hnotify send --from snmptrapd` (traphandle): the traps
# arrive at a webhook as snmp.trap events keyed by source address and trap OID, varbinds in data,
# deduplicated like any other alert; a traphandle line for one OID sets its status.
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/snmptrapd.sh"
cat > notify.yaml <<YAML
channels:
  hook: {type: webhook, url: $RECEIVER_URL/hook, timeout: 2s}
routes:
  - match: {kind: snmp.trap, severity: [warning, critical]}
    channels: [hook]
YAML
cat > snmptrapd.conf <<CONF
authCommunity log,execute,net public
traphandle .1.3.6.1.4.1.8072.2.3.0.17 $HOPS_BIN/hnotify send --from snmptrapd --status critical -c $WORK/notify.yaml
traphandle default $HOPS_BIN/hnotify send --from snmptrapd -c $WORK/notify.yaml
CONF
start_snmptrapd snmptrapd.conf
# wait_for N: until the receiver holds N requests (snmptrapd runs its handlers one at a time).
wait_for() { for _ in $(seq 300); do [[ $(received) -ge $1 ]] && return; sleep 0.05; done; echo "timed out waiting for request $1"; }
show() {
  python3 -c '
import json, sys
for line in list(open(sys.argv[1]))[int(sys.argv[2]):]:
    e = json.loads(json.loads(line)["body"])["event"]
    print(e["kind"], e["key"], e["status"], e["severity"], "node=" + e.get("node", "-"))
    print("  summary:", e["summary"])
    d = e["data"]
    print("  data:", d["source"], d["trap_oid"], "uptime" in d, d.get("agent_address", "-"), d.get("enterprise", "-"))
    for v in d["varbinds"]:
        print("  varbind:", v["oid"], "=", v["value"])
' "$WORK/receiver/requests.jsonl" "$1"
}
echo "--- linkDown (v2c), a Japanese ifAlias among the varbinds"
trap2c 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.2 i 2 1.3.6.1.2.1.2.2.1.2.2 s eth0 1.3.6.1.2.1.31.1.1.1.18.2 s "本社 上位回線"
wait_for 1
show 0
echo "--- the same trap again within the dedupe window is not sent; another source OID is"
trap2c 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.2 i 2
trap2c 1.3.6.1.6.3.1.1.5.5
wait_for 2
show 1
echo "--- linkUp is info: no route wants it"
trap2c 1.3.6.1.6.3.1.1.5.4 1.3.6.1.2.1.2.2.1.1.2 i 2
echo "--- a v1 enterprise trap through the OID's own traphandle line (--status critical); no community"
trap1 1.3.6.1.4.1.8072.2.3 127.0.0.2 6 17 '' 1.3.6.1.4.1.8072.2.3.2.1 i 123
wait_for 3
show 2
grep -c public "$WORK/receiver/requests.jsonl"
echo "requests: $(received)"
echo "spool:"
hnotify spool list -c notify.yaml
