# A run ends when its slowest check times out: the http, https, smtp and imap loops and the
# thread pool run at the same time, so five checks of a silent server with 2 s timeouts end in
# about 2 s, not 10 s.
port=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
time.sleep(60)' "$port" &
silent=$!
on_exit 'kill $silent 2>/dev/null'
for _ in $(seq 50); do python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && break; sleep 0.1; done
cat > monitors.yaml <<YAML
monitors:
  web:   {type: http,  target: "http://127.0.0.1:$port/",  timeout: 2s}
  tls:   {type: https, target: "https://127.0.0.1:$port/", timeout: 2s}
  mail:  {type: smtp,  target: "127.0.0.1:$port",          timeout: 2s}
  inbox: {type: imap,  target: "127.0.0.1:$port",          timeout: 2s}
  tcp:   {type: tcp,   target: "127.0.0.1:$port", expect: "+OK", timeout: 2s}
YAML
start=$(date +%s%N)
hmon-check run -f monitors.yaml --format text | sed -E "s/$port/PORT/g; s/[0-9]+(\.[0-9]+)? s\b/N s/g" | sort
echo "[exit ${PIPESTATUS[0]}]"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
if (( elapsed_ms < 3500 )); then echo "ended within 3.5 s"; else echo "took ${elapsed_ms} ms (checks ran one group after another)"; fi
