# start, stop and reboot: EC2's DryRun, instances already there, states that forbid the action,
# and --wait that reports a start falling back to stopped (a missing KMS grant) as a failure.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 20 --speed 0.3 --kms-fail i-0000123456789a009 --deny RebootInstances
run haws-ec2 start --tag Role=db --dry-run
run haws-ec2 describe --tag Role=db
run haws-ec2 start --tag Role=db --wait --interval 100ms --timeout 20s
run haws-ec2 stop --id i-0000123456789a000 --id i-0000123456789a003 --wait --interval 100ms
run haws-ec2 stop --id i-0000123456789a000 --force
run haws-ec2 reboot --id i-0000123456789a000
run_stable haws-ec2 reboot --id i-0000123456789a001 --dry-run
run_stable haws-ec2 reboot --id i-0000123456789a001
echo "dry runs asked: $(mock_stats 's["dry_runs"]'), starts: $(mock_stats 's["actions"]["StartInstances"]')"
haws-ec2 start --id i-0000123456789a003 --wait --interval 100ms --format json | stable
echo "[exit ${PIPESTATUS[0]}]"
