# describe: the selection as a table or as ec2.instance events, across regions at once.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 12 --regions us-east-1,eu-west-1
run haws-ec2 describe
run haws-ec2 describe --region us-east-1 --region eu-west-1 --tag Role=web
run haws-ec2 describe --region eu-west-1 --filter Name=instance-state-name,Values=stopped
run haws-ec2 describe --filter instance-type=t3.micro,c5.xlarge --tag Env=prod --tag Backup
run haws-ec2 describe --tag Env=prod --filter instance-type=t3.micro
run_stable haws-ec2 describe --id i-0000123456789a004 --format json
# An id in another region, or in none: named, exit 1.
run haws-ec2 describe --id i-0000123456789a001 --id i-0000123456789a000
run haws-ec2 describe --region us-east-1 --region eu-west-1 --id i-0000123456789a001 --id i-00000000000000fff
# Nothing matches: said on stderr, exit 0.
run haws-ec2 describe --tag Env=nowhere
echo "every request signed and verified: $(mock_stats 's["verified"] == s["requests"] and s["auth_failures"] == 0')"
