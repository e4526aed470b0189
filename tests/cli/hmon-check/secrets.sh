# Credentials written inline (a plugin's env, an Authorization header) never reach the state store,
# and a plugin never sees hmon-check's own environment.
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
YAML
export HOPS_TEST_TOKEN=env-token-0f1e2d3c4b
stable() {
  sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g; s/port [0-9]+ after [0-9]+ ms/port PORT after N ms/;
          s/"(time|host)":"[^"]*"/"\1":"X"/g; s/"duration_ms":[0-9]+/"duration_ms":N/g'
}
for format in text json; do
  printf '$ hmon-check run -f monitors.yaml --format %s\n' "$format"
  hmon-check run -f monitors.yaml --format "$format" 2>&1 | stable
  printf '[exit %d]\n' "${PIPESTATUS[0]}"
done
printf 'secret bytes in the state dir: %s\n' \
  "$(cat "$HOPS_STATE_DIR"/state.db* | grep -a -c -e pg-inline-5e6f7a8b9c -e hdr-inline-1a2b3c4d5e -e env-token-0f1e2d3c4b)"
