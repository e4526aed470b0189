# Credentials as the AWS CLI finds them: profiles of ~/.aws, an assumed role (STS AssumeRole),
# credential_process, container credentials and the instance role over IMDSv2; -v logs every
# request with the credentials hidden.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
start_ec2_mock --instances 6 --container-token "Bearer c0nta1ner-t0ken"
secret=$AWS_SECRET_ACCESS_KEY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
mkdir -p ~/.aws
cat > ~/.aws/credentials <<INI
[mock]
aws_access_key_id = AKIAMOCKEXAMPLE00001
aws_secret_access_key = $secret
INI
cat > creds.sh <<SH
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "AKIAMOCKEXAMPLE00001", "SecretAccessKey": "%s"}' '$secret'
SH
chmod +x creds.sh
cat > ~/.aws/config <<INI
[profile ops]
role_arn = arn:aws:iam::222222222222:role/ops
source_profile = mock
role_session_name = nightly-stop
[profile proc]
credential_process = $WORK/creds.sh
region = us-east-1
INI
run haws-ec2 describe --profile mock --tag Role=web
run haws-ec2 describe --profile ops --tag Role=web
echo "assumed: $(mock_stats '[(a["role"], a["session"]) for a in s["assumed"]]')"
(unset AWS_REGION; run haws-ec2 status --profile proc --id i-0000123456789a000)
(export AWS_PROFILE=proc; run haws-ec2 stop --id i-0000123456789a000 --dry-run)
(export AWS_CONTAINER_CREDENTIALS_FULL_URI=${MOCK_URL}container/credentials AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer c0nta1ner-t0ken"
 run haws-ec2 describe --id i-0000123456789a002)
(export AWS_CONTAINER_CREDENTIALS_FULL_URI=${MOCK_URL}container/credentials AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong"
 run_stable haws-ec2 describe --id i-0000123456789a002)
(export AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$MOCK_URL; unset AWS_REGION
 run haws-ec2 describe --id i-0000123456789a004)
echo "container: $(mock_stats 's["container"]'), IMDS tokens: $(mock_stats 's["imds_tokens"]')"
# -v: each request and answer on stderr; no secret, token or signature in it.
haws-ec2 -v describe --profile ops --id i-0000123456789a000 2> verbose.txt > /dev/null
echo "[exit $?]"
stable < verbose.txt
for s in "$secret" c0nta1ner-t0ken Signature= FwoGZXIvYXdzE; do grep -qF -- "$s" verbose.txt && echo "LEAK: $s"; done
echo "requests logged: $(grep -c ': attempt 1$' verbose.txt)"
