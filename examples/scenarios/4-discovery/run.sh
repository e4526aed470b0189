#!/usr/bin/env bash
# Scenario 4, discovery follows scaling: hscope-sync finds EC2 instances (the local mock) and
# writes the inventory; a new instance gets its set-up flow over SSH, once; monitoring defined on
# a scope picks the new node up at its next run, and forgets the one that went away.
source "$(dirname "$0")/../lib/scenario.sh"

# step_sh LINE: like step, for a command line with pipes or redirections (run by bash).
step_sh() {
  show "$1"
  set +e
  if [[ ${SCENARIO_QUIET:-} == 1 ]]; then
    bash -o pipefail -c "$1" > /dev/null 2>&1
  else
    bash -o pipefail -c "$1" 2>&1 | sed 's/^/    /'
  fi
  STEP_RC=${PIPESTATUS[0]}
  set -e
  printf '    [exit %d]\n' "$STEP_RC"
}

title "Discovery follows scaling"
say "Three machines stand in for EC2 instances: three SSH servers on 127.0.0.1, each with its \
own port and its own directory. A local stand-in for the EC2 API lists the instances. Nothing \
leaves this computer."
peer_sshd 3
# hscope-sync writes the inventory; the sshd helper's own list of hosts is not used.
rm -f "$WORK/inventory.yaml"
export HOPS_INVENTORY=$WORK/inventory.yaml
peer_webhook
export HOOK_URL=$RECEIVER_URL/hooks/ops
cp "$SCENARIO_DIR"/{scopes,node-setup,monitors,notify}.yaml "$WORK/"
# The instances of today: two web servers (machines 1 and 2) and a database server. The ssh-port
# tag says which local sshd is the instance's machine.
instance() {  # instance ID NAME ROLE AZ [MACHINE [STATE]]
  local tags="{\"Name\": \"$2\", \"Role\": \"$3\", \"Env\": \"prod\"${5:+, \"ssh-port\": \"${SSHD_PORTS[$5 - 1]}\"}}"
  printf '{"id": "%s", "region": "us-east-1", "az": "%s", "private_ip": "127.0.0.1", "state": "%s", "tags": %s}' \
    "$1" "$4" "${6:-running}" "$tags"
}
printf '[%s, %s, %s]\n' "$(instance i-0a1b2c3d4e5f00001 web-1 web us-east-1a 1)" \
  "$(instance i-0a1b2c3d4e5f00002 web-2 web us-east-1b 2)" "$(instance i-0a1b2c3d4e5f00009 db-1 db us-east-1a)" \
  > "$WORK/instances.json"
peer_ec2 --instances 0 --fixture "$WORK/instances.json" --speed 0 --history "$WORK/ec2-history.jsonl"
cd "$WORK"

title "1. Today: two web servers and a database"
say "hscope-sync asks EC2 for the instances and writes the inventory every hops tool reads, each \
node in scopes by region/zone/VPC/subnet and by its Role and Env tags, with how to log in to it."
step hscope-sync -f scopes.yaml sync
step_sh "grep -A3 '^  web-1:' inventory.yaml"
say "web-1 and web-2 are in service already: this first sync only takes stock, nothing is set up. \
The monitor is defined on the scope role/web, not on node names; it checks that each web \
server's SSH daemon answers. Every result goes to hnotify, which tells the ops webhook about \
problems only: nothing to say today. db-1 is in role/db: the monitor leaves it alone."
step_sh "hmon-check run -f monitors.yaml --format json | hnotify -c notify.yaml send"

title "2. The auto scaling group replaces web-1 with web-3"
say "A new instance, web-3 (machine 3), comes up; web-1 is terminated and EC2 forgets it, and \
its machine goes away."
mock_config "{\"launch\": [$(instance i-0a1b2c3d4e5f00003 web-3 web us-east-1c 3 pending)], \"remove\": [\"i-0a1b2c3d4e5f00001\"]}"
kill "${SSHD_PIDS[0]}"
wait "${SSHD_PIDS[0]}" 2>/dev/null || true
SSHD_PIDS[0]=
say "The next sync (from cron: see crontab) writes the inventory and prints the change as hops \
events. hjob-run, reading them from the pipe, runs the set-up flow once for each \
cloud.node.added event, on the node it names, over SSH with the host key checked; hnotify \
tells the ops webhook what changed (the events were kept in changes.jsonl on the way)."
step hscope-sync -f scopes.yaml sync --check
step_sh "hscope-sync -f scopes.yaml sync --format json | tee changes.jsonl | hjob-run run node-setup.yaml --events -"
step_sh "grep -o '\"kind\":\"[^\"]*\",\"key\":\"[^\"]*\"' changes.jsonl"
step_sh "hnotify -c notify.yaml send < changes.jsonl"
say "The set-up left its file on machine 3, and on no other:"
step_sh "ls ssh/host*/hops-setup.done"
step cat ssh/host3/hops-setup.done
say "The last number of ssh_connection is the port of the sshd that ran the set-up: machine 3's \
(${SSHD_PORTS[2]})."

title "3. Nothing changed: nothing runs"
say "The next cron run finds the same instances: the inventory is left alone, no event asks for \
a set-up, and the webhook hears nothing new."
step_sh "hscope-sync -f scopes.yaml sync --format json | tee changes.jsonl | hjob-run run node-setup.yaml --events -"
step_sh "hnotify -c notify.yaml send < changes.jsonl"

title "4. Monitoring follows, with no edit"
say "The same monitor file now checks web-2 and web-3, and no longer web-1 (whose machine is \
gone: checking it would alert)."
step_sh "hmon-check run -f monitors.yaml --format json | hnotify -c notify.yaml send"
step hmon-check list -f monitors.yaml
say "Then web-3's SSH server stops: the alert that reaches the webhook names web-3, a node nobody \
typed into a file."
kill "${SSHD_PIDS[2]}"
wait "${SSHD_PIDS[2]}" 2>/dev/null || true
SSHD_PIDS[2]=
step_sh "hmon-check run -f monitors.yaml --format json | hnotify -c notify.yaml send"
say "What the ops webhook received, in all:"
step_sh "python3 -c 'import json; [print(json.loads(json.loads(l)[\"body\"])[\"event\"][\"summary\"]) for l in open(\"receiver/requests.jsonl\")]'"

title "What this showed"
say "hscope-sync turned EC2's instances into the inventory, with scopes and logins; its change \
events drove the set-up flow (once, on the new node only) and the notifications; and the \
monitors, written for a scope, followed the inventory with no edit. Look at inventory.yaml, \
changes.jsonl, ssh/host*/sshd.log and receiver/requests.jsonl in the work directory \
(SCENARIO_WORK=dir keeps it)."
