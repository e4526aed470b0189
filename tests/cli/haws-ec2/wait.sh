# wait running|stopped: until every instance is there, failing early on states it cannot come
# back from, and giving up at --timeout.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
cat > fixture.json <<'JSON'
[{"id": "i-00000000000000001", "state": "pending", "tags": {"Name": "app1"}},
 {"id": "i-00000000000000002", "state": "stopping", "tags": {"Name": "app2"}},
 {"id": "i-00000000000000003", "state": "shutting-down", "tags": {"Name": "gone"}},
 {"id": "i-00000000000000004", "state": "stopped", "tags": {"Name": "idle"}}]
JSON
start_ec2_mock --fixture fixture.json --speed 0.3
run haws-ec2 wait running --id i-00000000000000001 --interval 100ms
run haws-ec2 wait stopped --id i-00000000000000002 --id i-00000000000000004 --interval 100ms
run haws-ec2 wait running --id i-00000000000000003 --interval 100ms
run_stable haws-ec2 wait running --id i-00000000000000004 --interval 100ms --timeout 300ms
run_stable haws-ec2 wait running --id i-00000000000000004 --interval 100ms --timeout 300ms --format json
# Running, and nobody stops it: waited for until the timeout.
run_stable haws-ec2 wait stopped --id i-00000000000000001 --interval 100ms --timeout 300ms
# Pending while waiting for stopped: someone started it (the AWS CLI waiter's failure too).
start_ec2_mock --fixture fixture.json --speed -1
run haws-ec2 wait stopped --id i-00000000000000001 --interval 100ms
