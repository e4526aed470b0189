# Scenario 4, discovery follows scaling: checks what the peers recorded -- the inventory file
# hscope-sync wrote, the EC2 mock's instance history, the files and logins on the sshd hosts, and
# what the ops webhook received.
scenario 4-discovery
W=$SCENARIO_WORK
# port N: the port of sshd host N.
port() { sed -n 's/^ListenAddress 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$W/ssh/host$1/sshd_config"; }
# node ID: the inventory's block of node ID (its lines up to the next node).
node() { awk -v id="  $1:" '$0 == id { on = 1; next } on && /^  [^ ]/ { on = 0 } on' "$W/inventory.yaml"; }
# count PATTERN FILE: the lines of FILE matching PATTERN (0 when there is no file).
count() { if [[ -f $2 ]]; then grep -c -- "$1" "$2" || true; else echo 0; fi; }

# The EC2 mock: web-3 was launched (and came up), web-1 went.
expect_eq "instances that came and went on EC2" \
  "$(jsonl "$W/ec2-history.jsonl" '"%s %s->%s" % (r["id"], r["from"] or "-", r["to"] or "-")')" \
  "i-0a1b2c3d4e5f00003 -->pending
i-0a1b2c3d4e5f00001 running->-
i-0a1b2c3d4e5f00003 pending->running"

# The inventory: web-3 in, with its scopes and the login of machine 3; web-1 out.
expect_eq "nodes in the inventory" "$(grep -E '^  [a-z0-9-]+:$' "$W/inventory.yaml" | tr -d ' :' | tr '\n' ' ')" "db-1 web-2 web-3 "
expect_eq "web-3's scopes" "$(node web-3 | grep '^    scopes:')" \
  "    scopes: [aws/us-east-1/us-east-1c/vpc-0a00c800/subnet-5b60d86f, env/prod, role/web]"
expect_eq "web-3's login is machine 3's sshd" "$(node web-3 | grep '^    ssh:')" "    ssh: {port: $(port 3)}"
expect_eq "web-3's instance" "$(node web-3 | grep -o 'cloud_id: .*')" "cloud_id: i-0a1b2c3d4e5f00003"
expect_eq "web-2 kept its login" "$(node web-2 | grep '^    ssh:')" "    ssh: {port: $(port 2)}"
expect "db-1 is not a web server" bash -c '! grep -q role/web <<< "$1"' _ "$(node db-1)"

# The set-up ran on machine 3 only, once, through machine 3's sshd.
expect "the set-up file is on machine 3" test -f "$W/ssh/host3/hops-setup.done"
expect_eq "the set-up was for web-3" "$(grep '^node=' "$W/ssh/host3/hops-setup.done")" "node=web-3"
expect_eq "it came through machine 3's sshd" \
  "$(sed -n 's/^ssh_connection=.* \([0-9]*\)$/\1/p' "$W/ssh/host3/hops-setup.done")" "$(port 3)"
for i in 1 2; do
  expect "no set-up file on machine $i" test ! -e "$W/ssh/host$i/hops-setup.done"
  expect_eq "logins on machine $i" "$(count 'Accepted publickey' "$W/ssh/host$i/sshd.log")" 0
done
# One login: the second sync, which found no change, set up nothing again.
expect_eq "logins on machine 3" "$(count 'Accepted publickey' "$W/ssh/host3/sshd.log")" 1

# Monitoring: each check is a connection that says its version and closes before logging in
# ([preauth]). web-1 was checked in the first run only (then it was gone), web-2 in all three,
# web-3 in the run after it appeared (its sshd was stopped before the third).
expect_eq "checks of machine 1" "$(count 'preauth' "$W/ssh/host1/sshd.log")" 1
expect_eq "checks of machine 2" "$(count 'preauth' "$W/ssh/host2/sshd.log")" 3
expect_eq "checks of machine 3" "$(count 'preauth' "$W/ssh/host3/sshd.log")" 1

# The ops webhook: the inventory's changes once each, and one alert, about web-3 (none about
# web-1, whose machine is gone: it was no longer checked).
expect_eq "what the webhook received" \
  "$(jsonl "$W/receiver/requests.jsonl" '"%s %s %s" % ((lambda e: (e["kind"], e["key"], e["status"]))(__import__("json").loads(r["body"])["event"]))')" \
  "cloud.node.removed hscope-sync/web-1 removed
cloud.node.added hscope-sync/web-3 added
monitor.result hmon-check/ssh/web-3 critical"
