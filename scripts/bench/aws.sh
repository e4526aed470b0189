#!/usr/bin/env bash
# Benchmarks haws-ec2 beside the AWS CLI v2 (Debian's awscli, with --endpoint-url), in the same run,
# against the same local EC2 mock (tests/peers/ec2_mock.py, which verifies every signature):
#   describe 2,000 instances in pages of 1,000        target: haws-ec2 >= 10x faster wall
#   start 100 stopped instances in one call            (the mock puts them back between runs)
#   peak RSS of each                                   target: haws-ec2 >= 4x less
# Usage: scripts/bench/aws.sh [RUNS]   (default 5 runs per measurement, median reported)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
scripts/setup --bench
scripts/build --target haws-ec2 >/dev/null
haws=$PWD/build/haws-ec2
aws=/usr/bin/aws
work=$(mktemp -d)
mock_pid=""
cleanup() {
  [[ -n "$mock_pid" ]] && kill "$mock_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 tests/peers/ec2_mock.py --port-file "$work/port" --instances 2000 --speed -1 > "$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 200); do [[ -s $work/port ]] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat "$work/port")/
# A host set up for the mock only: its key, one region, no instance metadata, no pager.
export HOME=$work AWS_ACCESS_KEY_ID=AKIAMOCKEXAMPLE00001 AWS_SECRET_ACCESS_KEY=mock/Secret+Key/0123456789abcdefEXAMPLE \
       AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2
reset_mock() {
  python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "_mock/config", data=b"{\"reset_states\": true}", method="POST")).read()' "$url"
}
# The first 100 stopped instances (every fifth one is stopped).
mapfile -t ids < <("$haws" --endpoint-url "$url" describe --filter instance-state-name=stopped | awk 'NR > 1 {print $1}' | head -100)
id_args=()
for id in "${ids[@]}"; do id_args+=(--id "$id"); done

haws_describe() { "$haws" --endpoint-url "$url" describe --format json; }
aws_describe() { "$aws" --endpoint-url "$url" ec2 describe-instances --page-size 1000 --output json; }
haws_start() { reset_mock; "$haws" --endpoint-url "$url" start "${id_args[@]}" --format json; }
aws_start() { reset_mock; "$aws" --endpoint-url "$url" ec2 start-instances --instance-ids "${ids[@]}" --output json; }

have_aws=1
if [[ ! -x $aws ]] || ! "$aws" --version 2>/dev/null | grep -q '^aws-cli/2'; then
  have_aws=0
  echo "AWS CLI v2 not installed at $aws (Debian package awscli): haws-ec2 is timed alone"
fi

# Sanity: both see all 2,000 instances and start 100, every request verified by the mock.
echo "haws-ec2 describe: $(haws_describe | wc -l) instances; start: $(haws_start | grep -c '"status":"success"') started"
if [[ $have_aws == 1 ]]; then
  echo "aws ec2 describe-instances: $(aws_describe | python3 -c 'import json,sys; print(sum(len(r["Instances"]) for r in json.load(sys.stdin)["Reservations"]))') instances; start-instances: $(aws_start | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["StartingInstances"]))') started"
fi
python3 -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "_mock/stats"))
print("mock: %d requests, %d signatures verified, %d refused" % (s["requests"], s["verified"], s["auth_failures"]))' "$url"

source scripts/bench/lib.sh
reset_time=$(median reset_mock)

echo "runs per measurement: $runs (median wall time; the start figures include putting the 100 back, ${reset_time} s)"
a=$(median haws_describe)
ra=$(peak_mib "$haws" --endpoint-url "$url" describe --format json)
printf '%-48s %8s s %8s MiB peak\n' "haws-ec2 describe, 2,000 instances" "$a" "$ra"
if [[ $have_aws == 1 ]]; then
  b=$(median aws_describe)
  rb=$(peak_mib "$aws" --endpoint-url "$url" ec2 describe-instances --page-size 1000 --output json)
  printf '%-48s %8s s %8s MiB peak   haws-ec2: %.1fx faster (target >= 10x), %.1fx less memory (target >= 4x)\n' \
    "aws ec2 describe-instances --page-size 1000" "$b" "$rb" "$(echo "$b / $a" | bc -l)" "$(echo "$rb / $ra" | bc -l)"
fi
c=$(median haws_start)
reset_mock
rc=$(peak_mib "$haws" --endpoint-url "$url" start "${id_args[@]}" --format json)
printf '%-48s %8s s %8s MiB peak\n' "haws-ec2 start, 100 instances" "$c" "$rc"
if [[ $have_aws == 1 ]]; then
  d=$(median aws_start)
  reset_mock
  rd=$(peak_mib "$aws" --endpoint-url "$url" ec2 start-instances --instance-ids "${ids[@]}" --output json)
  printf '%-48s %8s s %8s MiB peak   haws-ec2: %.1fx faster, %.1fx less memory\n' \
    "aws ec2 start-instances, 100 instances" "$d" "$rd" "$(echo "($d - $reset_time) / ($c - $reset_time)" | bc -l)" "$(echo "$rd / $rc" | bc -l)"
fi
