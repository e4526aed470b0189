# hmon-check run against a real nginx: exit codes, soft/hard states across runs, JSON events.
source "$HOPS_SOURCE_DIR/tests/cli/lib/nginx.sh"
start_nginx
export HOPS_STATE_DIR=$WORK/state
closed=$(closed_port)
cat > mon.yaml <<YAML
version: 1
defaults:
  timeout: 3s
monitors:
  home:
    type: http
    target: http://127.0.0.1:$NGINX_PORT/ok
    body: ok
  api:
    type: http
    target: http://127.0.0.1:$NGINX_PORT/json
    conditions:
      - {status: [200]}
      - {json: db, equals: up, severity: warning}
  flag:
    type: http
    target: http://127.0.0.1:$NGINX_PORT/flag
    after: 2
  port:
    type: tcp
    target: 127.0.0.1:$NGINX_PORT
  refused:
    type: tcp
    target: 127.0.0.1:$closed
    after: 3
  nginx-procs:
    type: process
    args_regex: "nginx -p $WORK/nginx "
    critical: "1:"
YAML
echo "up" > nginx/flag
run hmon-check validate -f mon.yaml
hmon-check run -f mon.yaml --format json | events; echo "[exit ${PIPESTATUS[0]}]"
rm nginx/flag   # /flag now answers 404
hmon-check run -f mon.yaml --format json | events; echo "[exit ${PIPESTATUS[0]}]"
hmon-check run -f mon.yaml --format json --changes-only | events; echo "[exit ${PIPESTATUS[0]}]"
hmon-check run -f mon.yaml --format json --changes-only | events; echo "[exit ${PIPESTATUS[0]}]"
echo "up" > nginx/flag
hmon-check run -f mon.yaml --format nagios | stable; echo "[exit ${PIPESTATUS[0]}]"
hmon-check run -f mon.yaml --only home --only port | stable | sort; echo "[exit ${PIPESTATUS[0]}]"
hmon-check run -f mon.yaml --no-state --only refused --format json | events; echo "[exit ${PIPESTATUS[0]}]"
hmon-check history flag --format csv | cut -d, -f1,3-5 | grep -v '^perfdata'
hmon-check history refused --format json | python3 -c 'import json,sys; print(sorted({json.loads(l)["kind"] for l in sys.stdin}))'
printf 'state file mode: '; stat -c %a "$HOPS_STATE_DIR/state.db"
