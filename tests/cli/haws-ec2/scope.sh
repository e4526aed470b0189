# --scope: the instances of inventory nodes (their cloud_id and region attributes, as hscope-sync
# writes them).
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 8 --regions us-east-1,ap-northeast-1
cat > inventory.yaml <<'YAML'
version: 1
nodes:
  web-a:
    address: 127.0.0.21
    scopes: [aws/us-east-1/web]
    tags: {role: web}
    attributes: {cloud: aws, cloud_id: i-0000123456789a000, region: us-east-1}
  web-b:
    address: 127.0.0.22
    scopes: [aws/ap-northeast-1/web]
    tags: {role: web}
    attributes: {cloud: aws, cloud_id: i-0000123456789a001, region: ap-northeast-1}
  batch:
    address: 127.0.0.23
    scopes: [aws/ap-northeast-1/batch]
    attributes: {cloud: aws, cloud_id: i-0000123456789a005, region: ap-northeast-1}
  gone:
    address: 127.0.0.24
    scopes: [aws/us-east-1/old]
    attributes: {cloud_id: i-0000000000000dead, region: us-east-1}
  onprem:
    address: 127.0.0.25
    scopes: [dc/db]
YAML
# The example inventory: scopes by region and zone, role and environment.
run haws-ec2 --inventory "$EXAMPLES/aws-inventory.yaml" describe --scope 'aws/**'
run haws-ec2 --inventory "$EXAMPLES/aws-inventory.yaml" stop --scope env/dev --dry-run
run haws-ec2 --inventory "$EXAMPLES/aws-inventory.yaml" start --scope role/batch --dry-run
# A node without an instance is not one haws-ec2 can act on.
run haws-ec2 --inventory "$EXAMPLES/aws-inventory.yaml" describe --scope role/db
run haws-ec2 describe --inventory inventory.yaml --scope 'aws/*/web'
run haws-ec2 stop --inventory inventory.yaml --scope tag:role=web --dry-run
haws-ec2 describe --inventory inventory.yaml --scope aws/ap-northeast-1 --format json | python3 -c '
import json, sys
for e in map(json.loads, sys.stdin): print(e["key"], e["node"], e["status"])'
run haws-ec2 describe --inventory inventory.yaml --scope aws/us-east-1/old
run haws-ec2 describe --inventory inventory.yaml --scope dc
run haws-ec2 describe --inventory inventory.yaml --scope aws/eu
