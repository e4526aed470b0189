# An aws_ec2 source's ssh: and attributes: give each node found in EC2 its login -- here the port
# from the instance's tag, the user and key for the whole source -- so that hjob-run reaches a new
# instance with no hand edit: over SSH, host key checked against known_hosts.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 1
port=${SSHD_PORTS[0]}
cat > fixture.json <<JSON
[{"id": "i-0a0000000000000a1", "tags": {"Name": "web-1", "ssh-port": "$port", "Rack": "A1"}, "private_ip": "127.0.0.1"},
 {"id": "i-0a0000000000000a2", "tags": {"Name": "web-2", "ssh-port": "80x"}, "private_ip": "127.0.0.2"},
 {"id": "i-0a0000000000000a3", "tags": {"Name": "web-3"}, "private_ip": "127.0.0.3"}]
JSON
start_ec2_mock --instances 0 --fixture fixture.json --speed 0
cat > scopes.yaml <<YAML
version: 1
output: nodes.yaml
sources:
  - type: aws_ec2
    ssh: {user: $(id -un), port: '{{tag:ssh-port}}'}
    attributes: {ssh_key: ssh/id_ed25519, rack: '{{tag:Rack}}'}
YAML
# Ports and the user name vary from run to run.
anon() { sed -E "s/\b$port\b/PORT/g; s/\b$(id -un)\b/USER/g"; }
run hscope-sync -f scopes.yaml sync | anon
grep -E '^  [a-z]|ssh|rack' nodes.yaml | anon
hscope-sync -f scopes.yaml sync --format json -o other.yaml 2>/dev/null | python3 -c '
import json, sys
for e in map(json.loads, sys.stdin): print(e["kind"], e["key"], json.dumps(e["data"].get("ssh")))' | anon
# hjob-run logs in to web-1 as the inventory says, on the sshd of the tag's port.
cat > flow.yaml <<'YAML'
name: hello
jobs:
  hello:
    on: web-1
    run: 'echo "$HOPS_NODE answers on port ${SSH_CONNECTION##* }"'
YAML
run hjob-run run flow.yaml --inventory nodes.yaml | anon | sed -E 's/[0-9]{8}-[0-9]{6}-[0-9a-f]{4}/RUN/'
hjob-run logs "$(hjob-run list --limit 1 | cut -f1)" hello | anon
echo "logins: $(grep -c 'Accepted publickey' ssh/host1/sshd.log)"
# The login changes (another port): the node changed.
sed -i 's/port: .*}/port: 2222}/' scopes.yaml
run hscope-sync -f scopes.yaml sync | anon
# Definition errors.
printf 'version: 1\nsources:\n  - type: aws_ec2\n    ssh: {port: 0}\n' > bad.yaml
run hscope-sync -f bad.yaml validate
printf 'version: 1\nsources:\n  - type: aws_ec2\n    attributes: {cloud_id: x}\n' > bad.yaml
run hscope-sync -f bad.yaml validate
