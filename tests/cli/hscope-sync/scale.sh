# Thousands of instances in three regions and two accounts (pages of 1,000 each), one inventory:
# every instance once, sorted, and the same file on a second run.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 3000 --regions us-east-1,eu-west-1,ap-northeast-1 --accounts 111111111111,222222222222
cat > scopes.yaml <<'YAML'
version: 1
output: inventory.yaml
sources:
  - type: aws_ec2
    regions: [us-east-1, eu-west-1, ap-northeast-1]
    roles: [arn:aws:iam::222222222222:role/hops-read]
    hostnames: [tag:Name]
scopes:
  - scope: env/{{tag:Env}}
  - scope: role/{{tag:Role}}
YAML
hscope-sync -f scopes.yaml sync | tail -1
ids=$(grep -o 'cloud_id: i-[0-9a-f]*' inventory.yaml)
keys=$(grep -E '^  [^ ]+:$' inventory.yaml)
echo "nodes $(wc -l <<< "$keys") distinct instances $(sort -u <<< "$ids" | wc -l) sorted $([[ $keys == "$(LC_ALL=C sort <<< "$keys")" ]] && echo yes)"
echo "regions $(grep -o 'region: .*' inventory.yaml | sort -u | tr '\n' ' ')"
echo "in env/prod $(grep -c 'env/prod' inventory.yaml)"
mock_stats '"DescribeInstances calls %d, page sizes %s" % (s["actions"]["DescribeInstances"], sorted(set(s["max_results"])))'
before=$(md5sum < inventory.yaml)
run hscope-sync -f scopes.yaml sync --check
[[ $(md5sum < inventory.yaml) == "$before" ]] && echo "same file"
