# AWS cases: the environment of a host set up for the mock (tests/peers/ec2_mock.py) and never
# for IMDS or a real endpoint, and start_ec2_mock to run one. Source it from a case.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_DEFAULT_REGION \
      AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_CA_BUNDLE AWS_MAX_ATTEMPTS \
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
      AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
      AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_STS
export AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIAMOCKEXAMPLE00001 AWS_SECRET_ACCESS_KEY=mock/Secret+Key/0123456789abcdefEXAMPLE
MOCK_PIDS=()
on_exit 'for p in "${MOCK_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done'

# start_ec2_mock ARGS...  starts the mock on a port the kernel picks; sets MOCK_PORT and MOCK_URL
# and points AWS_ENDPOINT_URL (EC2 and STS) at it. A missing python3 fails the case, unless
# HOPS_ALLOW_SKIP=1 makes it a skip (exit 77).
start_ec2_mock() {
  if ! command -v python3 >/dev/null; then
    echo "python3 is not installed (scripts/setup installs it)"
    [[ "${HOPS_ALLOW_SKIP:-}" == 1 ]] && exit 77
    exit 1
  fi
  local n=${#MOCK_PIDS[@]}
  local port_file=$WORK/mock$n.port
  python3 "$HOPS_SOURCE_DIR/tests/peers/ec2_mock.py" --port-file "$port_file" "$@" > "$WORK/mock$n.log" 2>&1 &
  MOCK_PIDS+=($!)
  for _ in $(seq 300); do [[ -s $port_file ]] && break; sleep 0.05; done
  [[ -s $port_file ]] || { echo "ec2_mock.py did not start"; cat "$WORK/mock$n.log"; exit 1; }
  MOCK_PORT=$(cat "$port_file")
  MOCK_URL=http://127.0.0.1:$MOCK_PORT/
  export AWS_ENDPOINT_URL=$MOCK_URL
}
# mock_stats EXPR  prints a Python expression over the mock's counters (s), e.g. 's["throttled"]'.
mock_stats() {
  python3 -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "_mock/stats"))
print(eval(sys.argv[2]))' "$MOCK_URL" "$1"
}
# Hides what changes from run to run: ports, request ids, times, durations.
stable() {
  sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g; s/port [0-9]+ after [0-9]+ ms/port PORT after N ms/g; s/request id [0-9a-f-]+/request id ID/g;
          s/"time":"[^"]*"/"time":"T"/g; s/"host":"[^"]*"/"host":"H"/g; s/"duration_ms":[0-9.]+/"duration_ms":N/g;
          s/after ([0-9]+(ms|s|m|h|d))+/after D/g; s/Encoded authorization failure message: [A-Za-z0-9+\/=]+/Encoded authorization failure message: X/g'
}
# run_stable CMD...  like run, with stable output.
run_stable() { printf '$ %s\n' "$*" | stable; "$@" 2>&1 | stable; printf '[exit %d]\n' "${PIPESTATUS[0]}"; }
# mock_config JSON  changes the mock's fault injection (see ec2_mock.py /_mock/config).
# curl when there is one: it starts ten times faster than python3, for cases that set the clock often.
mock_config() {
  if command -v curl >/dev/null; then
    curl -fsS --noproxy '*' --data-binary "$1" "${MOCK_URL}_mock/config" >/dev/null
    return
  fi
  python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "_mock/config", data=sys.argv[2].encode(), method="POST")).read()' \
    "$MOCK_URL" "$1"
}
# mock_clock INSTANT  sets the mock's clock (as mock_config '{"clock":"INSTANT"}'; "" = real time)
# without starting a process, for cases that move it hundreds of times.
mock_clock() {
  local body="{\"clock\":\"$1\"}" status fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$MOCK_PORT"
  printf 'POST /_mock/config HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s' \
    "${#body}" "$body" >&"$fd"
  IFS= read -r status <&"$fd" || status=
  while IFS= read -r _ <&"$fd"; do :; done
  exec {fd}>&-
  [[ $status == "HTTP/1."?" 200 "* ]] || { echo "mock_clock: the mock answered '${status%$'\r'}'" >&2; return 1; }
}
