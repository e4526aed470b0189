# Ad-hoc checks: hmon-check as a drop-in Nagios plugin (one status line, perfdata, exit code).
source "$HOPS_SOURCE_DIR/tests/cli/lib/nginx.sh"
start_nginx
closed=$(closed_port)
u=http://127.0.0.1:$NGINX_PORT
run_stable() { printf '$ %s\n' "$*" | stable; "$@" 2>&1 | stable; printf '[exit %d]\n' "${PIPESTATUS[0]}"; }
run_stable hmon-check http "$u/ok" --status 200 --crit-time 2s
run_stable hmon-check http "$u/fail" --status 200
run_stable hmon-check http "$u/ok" --body-regex '^nope'
run_stable hmon-check http "$u/json" --json-path db --json-equals down
run_stable hmon-check http "$u/ok" --warn-time 0 --crit-time 5s
run_stable hmon-check tcp "127.0.0.1:$NGINX_PORT"
run_stable hmon-check tcp "127.0.0.1:$closed"
run_stable hmon-check tcp "127.0.0.1:$closed" --refuse-state warning
# A time measure takes plain seconds or durations in ms, s or m; hours, days and weeks are refused.
run_stable hmon-check tcp "127.0.0.1:$NGINX_PORT" -w 500ms -c 2s
run_stable hmon-check tcp "127.0.0.1:$NGINX_PORT" -w 0.5 -c @1m:2m
run_stable hmon-check tcp "127.0.0.1:$NGINX_PORT" -w 30d
run_stable hmon-check http "$u/ok" --crit-time 1h
run_stable hmon-check tcp "127.0.0.1:$NGINX_PORT" -w 2sec
run_stable hmon-check process --args-regex "nginx -p $WORK/nginx " -c 1:
run_stable hmon-check process --name no-such-process-here -c 1:
cat > plugin.sh <<'SH'
#!/bin/sh
echo "DEMO WARNING - $# args: $1|temp=41C;40;50"
echo "second line | fan=1200;;;0"
exit 1
SH
chmod +x plugin.sh
run_stable hmon-check command --command ./plugin.sh --command 'a b $(id)'
run_stable hmon-check command --command ./no-such-plugin
printf '$ hmon-check http URL --format json | events\n'
hmon-check http "$u/ok" --format json | events; printf '[exit %d]\n' "${PIPESTATUS[0]}"
# As a plugin, logfile reports what was written since its previous call with the same parameters.
printf 'start\n' > app.log
run_stable hmon-check logfile "$WORK/app.log" --critical-pattern ERROR
printf 'ERROR disk full\nok again\n' >> app.log
run_stable hmon-check logfile "$WORK/app.log" --critical-pattern ERROR
run_stable hmon-check logfile "$WORK/app.log" --critical-pattern ERROR
run_stable hmon-check logfile "$WORK/app.log" --critical-pattern 'ERROR|again' --from-start true
run_stable hmon-check http
run_stable hmon-check http "$u/ok" --status abc
run_stable hmon-check bogus
