# Accounts through assumed roles: the external id is sent, one instance seen through two roles of
# one account is one node, and a role STS refuses stops the sync before anything is written.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 4 --accounts 111111111111,222222222222 \
  --deny-role arn:aws:iam::333333333333:role/hops-read --speed 0
cat > scopes.yaml <<'YAML'
version: 1
output: inventory.yaml
sources:
  - type: aws_ec2
    regions: [us-east-1]
    base_account: false
    roles: [arn:aws:iam::222222222222:role/hops-read, arn:aws:iam::222222222222:role/other]
    external_id: ops-2026
    scope_prefix: aws/acct-222
YAML
run hscope-sync -f scopes.yaml sync
mock_stats '[(a["role"], a["external_id"]) for a in s["assumed"]]'
grep -c cloud_id inventory.yaml
sed -i 's|role/other]|role/other, arn:aws:iam::333333333333:role/hops-read]|' scopes.yaml
before=$(md5sum < inventory.yaml)
run_stable hscope-sync -f scopes.yaml sync
[[ $(md5sum < inventory.yaml) == "$before" ]] && echo "inventory untouched"
