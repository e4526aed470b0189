# Credentials never show: not in any output format, not in the history, not in the state store,
# not cut short, and a plugin never sees hmon-check's own environment. The server echoes the
# Authorization header back, and a failed JSON condition prints what it received.
source "$HOPS_SOURCE_DIR/tests/cli/lib/nginx.sh"
start_nginx
long=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMtYm90In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg-long
cat > monitors.yaml <<YAML
monitors:
  plugin:
    type: command
    command: [sh, -c, 'echo "OK - pw=\${PGPASSWORD:+set} token=\${HOPS_TEST_TOKEN:-unset}"']
    env: {PGPASSWORD: pg-inline-5e6f7a8b9c}
  api:
    type: http
    target: http://127.0.0.1:$(closed_port)/
    headers: {Authorization: "Bearer hdr-inline-1a2b3c4d5e"}
  echo:
    type: http
    target: http://127.0.0.1:$NGINX_PORT/echo
    headers: {Authorization: "Bearer $long"}
    json_path: auth
    json_equals: '"nobody"'
YAML
export HOPS_TEST_TOKEN=env-token-0f1e2d3c4b
secrets=(-e pg-inline-5e6f7a8b9c -e hdr-inline-1a2b3c4d5e -e env-token-0f1e2d3c4b -e "${long:0:8}" -e "${long:20:8}" -e "${long:60:8}")
stable_out() {
  sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g; s/port [0-9]+ after [0-9]+ ms/port PORT after N ms/;
          s/"(time|host)":"[^"]*"/"\1":"X"/g; s/"duration_ms":[0-9]+/"duration_ms":N/g;
          s/[0-9]+\.[0-9]+ ?(s|ms)\b/N\1/g; s/=[0-9.]+(s|B)?;/=N\1;/g; s/ [0-9]+ bytes/ N bytes/g'
}
for format in text json nagios; do
  printf '$ hmon-check run -f monitors.yaml --format %s\n' "$format"
  hmon-check run -f monitors.yaml --format "$format" > "out.$format" 2>&1
  rc=$?
  if [[ $format == json ]]; then
    python3 -c 'import json, sys; [print(e["key"], e["status"], e["summary"]) for e in sorted(map(json.loads, sys.stdin), key=lambda e: e["key"])]' \
      < out.json | stable_out
  else
    stable_out < "out.$format"
  fi
  echo "[exit $rc]"
done
hmon-check history echo > out.history 2>&1
hmon-check history echo --format json > out.history.json 2>&1
hmon-check history echo --format csv > out.history.csv 2>&1
hmon-check http "http://127.0.0.1:$NGINX_PORT/echo" --headers "Authorization=Bearer $long" \
  --json-path auth --json-equals '"nobody"' > out.adhoc 2>&1
echo "ad-hoc: $(stable_out < out.adhoc | head -1)"
printf 'secret bytes in outputs, history and the state dir: %s\n' \
  "$(cat out.* "$HOPS_STATE_DIR"/state.db* | grep -a -c "${secrets[@]}")"
