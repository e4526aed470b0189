# status: status checks and pending scheduled events ([Completed] ones are not shown).
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 30
run haws-ec2 status --filter Name=instance-id,Values=i-0000123456789a000,i-0000123456789a004,i-0000123456789a00a,i-0000123456789a00d,i-0000123456789a014
haws-ec2 status --id i-0000123456789a00a --id i-0000123456789a00d --id i-0000123456789a004 --format json | stable
echo "[exit ${PIPESTATUS[0]}]"
