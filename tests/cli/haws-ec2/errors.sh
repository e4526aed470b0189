# Usage and configuration errors exit 2 before any request; AWS errors exit 1 with the code,
# message and request id EC2 sent.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 4
run haws-ec2
run haws-ec2 start
run haws-ec2 reboot --tag
run haws-ec2 stop --tag =x
run haws-ec2 describe --filter vpc-id
run haws-ec2 start --id i-0000123456789a000 --wait --interval 0s
run haws-ec2 wait --id i-0000123456789a000
run haws-ec2 wait sleeping --id i-0000123456789a000
run haws-ec2 describe --region 'us east'
run haws-ec2 describe --endpoint-url ftp://127.0.0.1/
run haws-ec2 statsu
(unset AWS_REGION; run haws-ec2 describe)
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; run haws-ec2 describe)
(export AWS_PROFILE=nosuch; run haws-ec2 describe)
# Answers of EC2: never retried when the signature or the key is wrong.
(export AWS_SECRET_ACCESS_KEY=wrong-secret; run_stable haws-ec2 describe)
(export AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000; run_stable haws-ec2 stop --id i-0000123456789a000)
run_stable haws-ec2 start --id not-an-id
echo "attempts: $(mock_stats 's["requests"]')"
# Nothing listening: retried, then an error naming the endpoint's answer.
(export AWS_MAX_ATTEMPTS=2; run_stable haws-ec2 describe --endpoint-url "http://127.0.0.1:$(closed_port)/")
