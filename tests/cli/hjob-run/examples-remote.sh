# The example flows over real SSH (loopback sshd "hosts"): disk-recovery started by monitoring
# events runs only for the matching event, on the node the event names (`on: ${node}`); the night
# close plans its tier from its parameter.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 2
F=$EXAMPLES/flows
mkdir logs
for i in 1 2; do printf 'line %s\n' $i > "logs/app.log.$i"; done
printf 'old\n' | gzip > logs/app.log.9.gz
touch -d '30 days ago' logs/app.log.9.gz
ev() {  # ev NODE MONITOR STATUS: an hmon-check-like event line
  printf '{"v":1,"time":"2026-12-05T00:00:00Z","tool":"hmon-check","host":"ops1","kind":"monitor.result","key":"hmon-check/%s/%s","status":"%s","severity":"%s","summary":"%s on %s is %s","monitor":"%s","node":"%s"}\n' \
    "$2" "$1" "$3" "$3" "$2" "$1" "$3" "$2" "$1"
}
{ ev host1 disk-var ok; ev host2 http-home critical; ev host2 disk-var critical; } > events.jsonl
rn hjob-run run "$F/disk-recovery.yaml" --events events.jsonl --param log_dir="$WORK/logs" --param target_pct=101
id=$(last_run)
echo "runs: $(hjob-run list | wc -l)"
hjob-run results "$id" --format csv | cut -d, -f3,4,5,12 | sed -E 's/,[0-9]+$/,PCT/'
ls logs
# A "biz" that is open every day and hour, so that the plan does not depend on today.
printf 'version: 1\ncalendars:\n  biz: {timezone: UTC, weekdays: mon-sun}\n' > open.yaml
rn hjob-run run "$F/night-close.yaml" --calendars open.yaml --param tier=lab/app --dry-run
rn hjob-run run "$F/disk-recovery.yaml" --param node=host9 --dry-run
