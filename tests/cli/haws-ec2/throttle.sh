# Thousands of instances in pages, with throttling on the way: retried after a backoff and never a
# partial answer; when it outlasts the attempts, an error and no output at all.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 5000 --regions us-east-1,eu-west-1 --throttle-every 3 --fail-first 1
haws-ec2 describe --region us-east-1 --region eu-west-1 > all.txt
echo "exit $?: $(($(wc -l < all.txt) - 1)) instances, $(sort -u all.txt | wc -l) distinct lines"
echo "pages: $(mock_stats 's["actions"]["DescribeInstances"] - s["throttled"] - s["failed"]'), throttled: $(mock_stats 's["throttled"]'), failed: $(mock_stats 's["failed"]'), max results: $(mock_stats 'sorted(set(s["max_results"]))')"
haws-ec2 describe --tag Role=web --format json | python3 -c 'import json, sys; print(len([json.loads(l) for l in sys.stdin]), "events")'
mock_config '{"throttle_first": 100, "throttle_every": 0, "reset_count": true}'
export AWS_MAX_ATTEMPTS=2
run_stable haws-ec2 describe
run_stable haws-ec2 start --tag Role=db
