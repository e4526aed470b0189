# Starts a loopback nginx for a CLI case: sets NGINX_PORT; stopped by pid when the case exits.
# A missing nginx fails the case, unless HOPS_ALLOW_SKIP=1 makes it a skip (exit 77).
start_nginx() {
  if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
    echo "nginx is not installed (Debian package nginx-light; scripts/setup installs it)"
    [[ "${HOPS_ALLOW_SKIP:-}" == 1 ]] && exit 77
    exit 1
  fi
  local dir=$WORK/nginx
  mkdir -p "$dir/logs"
  chmod a+rx "$WORK" "$dir"  # nginx workers run unprivileged and read files from here
  NGINX_PORT=$(free_port)
  cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 256; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /ok { return 200 "ok\n"; }
    location = /fail { return 503 "down\n"; }
    location = /json { default_type application/json; return 200 '{"status":"ok","db":"up"}'; }
    location = /flag { alias $dir/flag; }
    location = /echo { default_type application/json; return 200 '{"auth":"\$http_authorization"}'; }
  }
}
CONF
  PATH=$PATH:/usr/sbin nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  on_exit 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null'
  for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$NGINX_PORT) 2>/dev/null && return 0; sleep 0.05; done
  echo "nginx did not start"; cat "$dir/logs/error.log"; exit 1
}
# Replaces measured numbers so output can be compared.
stable() { sed -E 's/[0-9]+\.[0-9]+ ?(s|ms|%)/N\1/g; s/=[0-9.]+(s|ms|B|%)?;/=N\1;/g; s/=[0-9.]+(s|ms|B|%)?$/=N\1/g; s/=[0-9.]+(s|ms|B|%)? /=N\1 /g; s/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g; s/ [0-9]+ bytes/ N bytes/g; s/^[0-9]+ ([A-Z]) /PID \1 /'; }
# Prints key fields of hmon-check JSON events, one per line, sorted by key (a run writes each
# event as its check completes).
events() {
  python3 -c '
import json, sys
for e in sorted(map(json.loads, sys.stdin), key=lambda e: e["key"]):
    d = e.get("data", {})
    print(e["key"], e["status"], "changed" if e.get("changed") else "-", "prev=" + e.get("previous_status", ""),
          "raw=" + d.get("raw_status", ""), "soft" if d.get("soft") else "", sep="\t")
'
}
