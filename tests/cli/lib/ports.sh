# A port on 127.0.0.1 free for TCP and UDP, picked at random below the kernel's ephemeral range:
# a bind(0) port is in the range every outgoing connection and bind(0) of a parallel test draws
# from, so it could be taken before the server binds it (or while it should stay closed).
free_port() {
  python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(1000):
    port = random.randint(10000, low - 1)
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as s:
                s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
PY
}
