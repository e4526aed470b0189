#!/usr/bin/env bash
# Scenario 2: the night close job flow, run for real against local peers (two loopback sshd
# "hosts", the EC2 mock, a webhook receiver and an SMTP server): a night that works, then a night
# whose backup fails and is resumed once the cause is fixed. See README.md.
source "$(dirname "$0")/../lib/scenario.sh"

title "Night close: a job flow over SSH, EC2 and notifications"
say "Every business night at 23:30 (Tokyo) the application tier is closed: taken out of the
load balancer, its application stopped on both of its nodes, its data backed up, its EC2
instances stopped, and the operators told. hjob-run runs all of it as one flow,
night-close.yaml; its events go to hnotify, which tells the operators when a night fails."

# ---- Peers and definitions ---------------------------------------------------------------------
peer_sshd 2
peer_webhook
peer_smtp
peer_ec2 --fixture "$SCENARIO_DIR/instances.json" --speed 0 --history "$WORK/ec2-history.jsonl"
export AWS_REGION=ap-northeast-1 NIGHT_CLOSE_HOOK_URL=$RECEIVER_URL/night-close

# The inventory: the two sshd hosts are the tier's nodes (scope night/app), each with its EC2
# instance (cloud_id and region, as hscope-sync writes them); the database node is elsewhere.
user=$(id -un)
{
  printf 'version: 1\nnodes:\n'
  for i in 1 2; do
    printf '  host%d:\n    address: 127.0.0.1\n    ssh: {user: %s, port: %d}\n    scopes: [night/app]\n' \
      "$i" "$user" "${SSHD_PORTS[i - 1]}"
    printf '    attributes: {ssh_key: %s, cloud_id: i-0a5e00000000a000%d, region: ap-northeast-1}\n' \
      "$WORK/ssh/id_ed25519" "$i"
  done
  printf '  db1:\n    address: 127.0.0.1\n    scopes: [night/db]\n'
  printf '    attributes: {cloud_id: i-0a5e00000000d0001, region: ap-northeast-1}\n'
} > "$WORK/inventory.yaml"
# hnotify's definitions, pointed at the local SMTP server.
sed "s/127\.0\.0\.1:2525/127.0.0.1:$SMTP_PORT/" "$SCENARIO_DIR/notify.yaml" > "$WORK/notify.yaml"
cp -r "$SCENARIO_DIR/night-close.yaml" "$SCENARIO_DIR/calendars.yaml" "$SCENARIO_DIR/scripts" "$WORK/"

# All the "hosts" are this machine, so each one keeps its things in its own directory,
# hosts/hostN: the running application (app/app.pid), its data (app/data) and its backup volume
# (backup/, with the file .volume that shows it is mounted).
mkdir -p "$WORK/lb"
for i in 1 2; do
  h=$WORK/hosts/host$i
  mkdir -p "$h/app/data" "$h/backup"
  printf 'order,amount\n%d001,1200\n' "$i" > "$h/app/data/orders.csv"
  touch "$h/backup/.volume"
done
app_start() { local i; for i in 1 2; do echo 4242 > "$WORK/hosts/host$i/app/app.pid"; done; }
app_start
cd "$WORK"

# night SHOWN VERB ARGS...: the cron line, `hjob-run VERB ARGS... --format json | hnotify send`
# (shown with SHOWN as its arguments); the events are kept in events.jsonl too. Sets STEP_RC to
# hjob-run's exit status.
night() {
  show "hjob-run $1 --format json | tee -a events.jsonl | hnotify -c notify.yaml send"
  shift
  set +e
  hjob-run "$@" --format json 2> hjob-run.err | tee -a events.jsonl | hnotify -c notify.yaml send > hnotify.out 2>&1
  local rcs=("${PIPESTATUS[@]}")
  set -e
  sed 's/^/    /' hjob-run.err hnotify.out
  printf '    [hjob-run exit %d, hnotify exit %d]\n' "${rcs[0]}" "${rcs[2]}"
  STEP_RC=${rcs[0]}
}
# The parameters (absolute paths: the nodes' commands do not start in this directory).
P=(-p hosts="$WORK/hosts" -p lb_dir="$WORK/lb" -p notify_config="$WORK/notify.yaml")
PS='-p hosts=$PWD/hosts -p lb_dir=$PWD/lb -p notify_config=$PWD/notify.yaml'
expect_rc() { [[ $STEP_RC == "$1" ]] || { echo "scenario: expected exit $1, got $STEP_RC" >&2; exit 1; }; }

title "The flow"
say "Five jobs, each needing the one before. app-stop runs on every node of scope night/app
at once, the backup script on the first node that answers; ec2-stop stops the EC2
instances of the same scope and waits until they are stopped."
step hjob-run graph night-close.yaml
step hjob-run validate night-close.yaml
say "Where each job runs, with the tier's nodes from the inventory:"
step hjob-run run night-close.yaml -p hosts=/srv -p lb_dir=/var/lib/lb --dry-run
say "hnotify sends a failed run (and later its recovery) to a webhook and by mail:"
step hnotify -c notify.yaml validate
say "Cron starts it at 23:30 Tokyo time (14:30 UTC), but only on a business night: hcal
answers from calendars.yaml (Monday 7 December is one, Saturday the 12th is not)."
step hcal -f calendars.yaml is-open --at 2026-12-07T23:30+09:00 night-close
expect_rc 0
step hcal -f calendars.yaml explain --at 2026-12-12T23:30+09:00 night-close

title "Night 1: Monday 2026-12-07, 23:30 Tokyo; everything works"
mock_config '{"clock":"2026-12-07T14:30:00Z"}'
night "run night-close.yaml $PS" run night-close.yaml "${P[@]}"
expect_rc 0
step hjob-run status
say "The load balancer's pool was drained, the application stopped on host1 and host2, the
backup archive written on host1's volume, and the two app instances stopped (db-1 was left
alone). The last job sent \"night close done\" to the webhook and by mail; a night that
works sends nothing else."
step head lb/app.drain hosts/host1/app/stops.log hosts/host2/app/stops.log
step ls hosts/host1/app hosts/host1/backup hosts/host2/app hosts/host2/backup
step haws-ec2 describe --tag tier

title "Morning: the tier starts again"
mock_config '{"clock":"2026-12-07T23:00:00Z"}'
step haws-ec2 start --scope night/app --wait --interval 1s
expect_rc 0
app_start

title "Night 2: Tuesday 2026-12-08, 23:30 Tokyo; host1's backup volume is not mounted"
say "We unmount host1's backup volume (its directory moves away, an empty mount point stays).
The flow drains the pool and stops the application, then the backup fails: the flow stops
there, exits 1, and hnotify sends the failure, naming the job, to the webhook and by mail."
step mv hosts/host1/backup hosts/host1/backup.unmounted
step mkdir hosts/host1/backup
mock_config '{"clock":"2026-12-08T14:30:00Z"}'
night "run night-close.yaml $PS" run night-close.yaml "${P[@]}"
expect_rc 1
run_id=$(hjob-run list --limit 1 --format json | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["run_id"])')
step hjob-run status "$run_id"
step hjob-run logs "$run_id" backup

title "The fix, and resume"
say "The operator mounts the volume again and resumes the run. hjob-run keeps what succeeded
(the pool drain, both application stops) and runs only the backup and the jobs after it."
step rmdir hosts/host1/backup
step mv hosts/host1/backup.unmounted hosts/host1/backup
mock_config '{"clock":"2026-12-08T14:40:00Z"}'
night "resume $run_id" resume "$run_id"
expect_rc 0
step hjob-run status "$run_id"
step head lb/app.drain hosts/host1/app/stops.log hosts/host2/app/stops.log
step ls hosts/host1/backup

title "What the operators received"
say "The webhook and the mailbox each got: night 1 done; night 2 failed at backup; night 2
recovered (the resumed run succeeded); night 2 done. Nothing twice."
show "cat receiver/requests.jsonl smtp/mails.jsonl   # titles only"
python3 - receiver/requests.jsonl smtp/mails.jsonl <<'PY'
import json, sys
for line in open(sys.argv[1]):
    print("    webhook:", json.loads(json.loads(line)["body"])["title"])
for line in open(sys.argv[2]):
    print("    mail:   ", json.loads(line)["subject"])
PY
say "The failure notice names where the night stopped:"
python3 - receiver/requests.jsonl <<'PY'
import json, sys
for line in open(sys.argv[1]):
    body = json.loads(json.loads(line)["body"])
    if body["event"]["status"] == "failed":
        print("    " + body["event"]["summary"])
PY
say "The EC2 instances, from the mock's record of state changes: the app instances stopped
each night (night 2 only once the run was resumed) and started in the morning; db-1 never
changed."
show "cat ec2-history.jsonl"
python3 - ec2-history.jsonl <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("    %s  %s  %s -> %s" % (r["time"], r["id"], r["from"], r["to"]))
PY
