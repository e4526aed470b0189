# hscope-sync against the EC2 mock: two regions, two accounts (the base credentials' and one
# assumed role), a static inventory, rule and keyed scopes; what changed; --check; a failed region.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 12 --regions us-east-1,ap-northeast-1 --accounts 111111111111,222222222222 --speed 0
cat > onprem.yaml <<'YAML'
version: 1
nodes:
  db-1:
    address: 127.0.0.31
    ssh: {user: ops, port: 2222}
    scopes: [dc/tokyo]
    tags: {Env: prod, Role: db}
scopes:
  dc/tokyo: {description: the Tokyo data centre}
YAML
cat > scopes.yaml <<'YAML'
version: 1
output: inventory.yaml
sources:
  - type: aws_ec2
    name: ec2
    regions: [us-east-1, ap-northeast-1]
    roles: [arn:aws:iam::222222222222:role/hops-read]
    exclude: {tag:Role: batch}
  - type: static
    files: [onprem.yaml]
scopes:
  - scope: env/{{tag:Env}}
  - scope: role/web
    description: web servers
    match: {tag:Role: web}
  - scope: windows
    match: {platform: windows}
  - scope: name/{{name}}
    match: {name: '-000[0-3]$'}
YAML
run hscope-sync -f scopes.yaml sync
cat inventory.yaml | sed -E 's/^generated_at: .*/generated_at: T/'
stat -c '%a' inventory.yaml
# Both accounts were asked: the base key, and the key the role handed out.
python3 -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "_mock/stats"))
print("assumed", [a["role"] for a in s["assumed"]], "describe keys", len(s["keys"]["DescribeInstances"]))' "$MOCK_URL"
# Nothing changed: the file is left alone.
before=$(md5sum < inventory.yaml)
run hscope-sync -f scopes.yaml sync
run hscope-sync -f scopes.yaml sync --check
[[ $(md5sum < inventory.yaml) == "$before" ]] && echo "inventory untouched"
# The world moves: an instance stops, one gets a new role, and the inventory would change.
haws-ec2 stop --region us-east-1 --id i-0000123456789a000 > /dev/null
mock_config '{"reset_count": 1}'
run hscope-sync -f scopes.yaml sync --check
[[ $(md5sum < inventory.yaml) == "$before" ]] && echo "inventory untouched by --check"
hscope-sync -f scopes.yaml sync --format json | python3 -c '
import json, sys
for e in map(json.loads, sys.stdin): print(e["kind"], e["key"], e["status"], e.get("previous_status", "-"), e.get("scope", "-"), e["summary"])'
run hscope-sync -f scopes.yaml sync --check
# A region that fails stops the sync before anything is written.
haws-ec2 start --region us-east-1 --id i-0000123456789a000 > /dev/null
mock_config '{"fail_regions": ["ap-northeast-1"]}'
before=$(md5sum < inventory.yaml)
run_stable hscope-sync -f scopes.yaml sync
[[ $(md5sum < inventory.yaml) == "$before" ]] && echo "inventory untouched after the failure"
mock_config '{"fail_regions": []}'
# The same groups for Ansible, printed instead of written.
run hscope-sync -f scopes.yaml export ansible
# The definition changes: web servers are now "frontend", batch instances come in, the static
# source goes (its node is removed).
sed -i 's|role/web|role/frontend|; /exclude:/d; /type: static/,/files:/d' scopes.yaml
run hscope-sync -f scopes.yaml sync
# Another output file; definition and usage errors.
run hscope-sync -f scopes.yaml sync -o other.yaml
printf 'version: 1\nsources:\n  - type: aws_ec2\n    regions: us-east-1\n    hostnames: [tag:Name, privat_ip]\n' > bad.yaml
run hscope-sync -f bad.yaml sync -o x.yaml
printf 'version: 1\nsources:\n  - {type: static, files: [onprem.yaml]}\n' > no-output.yaml
run hscope-sync -f no-output.yaml sync
run hscope-sync -f no-output.yaml sync -o out.yaml --format yaml
run hscope-sync -f scopes.yaml validate
run hscope-sync -f bad.yaml validate
run hscope-sync -f scopes.yaml export yaml
run hscope-sync -f scopes.yaml
