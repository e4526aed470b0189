# Loopback OpenSSH "hosts" for CLI cases and benches (source it; needs $WORK).
#
# start_sshd_hosts N starts N sshd on free 127.0.0.1 ports, each with its own throwaway ed25519
# host key, config, pid file and log in $WORK/ssh/hostI/ (as tests/unit/testing/sshd.cpp does:
# `sshd -D -e -f CONF`, StrictModes and PAM off), all accepting one throwaway user key
# $WORK/ssh/id_ed25519. It writes:
#   $WORK/ssh/known_hosts   "[127.0.0.1]:PORT ssh-ed25519 ..." for every host
#   $WORK/inventory.yaml    nodes host1..hostN, scope lab/app, the current user, the key as ssh_key
#   $HOPS_CONFIG            an [ssh] section naming that known_hosts (appended)
# and exports HOPS_INVENTORY, SSHD_PORTS (array, SSHD_PORTS[i-1] is hostI's port), SSHD_PIDS.
# Every sshd is stopped by pid when the shell exits. Remote commands run as the current user, with
# SSHD_HOST_DIR set to their host's directory $WORK/ssh/hostI (a place of that host's own, since
# every host shares one file system).
# A missing sshd fails the case, unless HOPS_ALLOW_SKIP=1 makes it a skip (exit 77).
#
# SSHD_EXTRA (optional) is appended to every sshd_config (not SetEnv: sshd takes only the first
# SetEnv line, which sets SHLVL and SSHD_HOST_DIR, the host's own directory).

declare -F on_exit > /dev/null || source "$(dirname "${BASH_SOURCE[0]}")/on_exit.sh"

# sshd_free_ports N: N distinct free TCP ports on 127.0.0.1, one a line, below the ephemeral range
# (as free_port in prelude.sh, in one python run).
sshd_free_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
want = int(sys.argv[1])
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
ports = set()
for _ in range(100 * want + 1000):
    if len(ports) == want:
        break
    port = random.randint(10000, low - 1)
    if port in ports:
        continue
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", port))
    except OSError:
        continue
    ports.add(port)
print("\n".join(map(str, ports)))
PY
}

# sshd_stop_all: stops every sshd start_sshd_hosts started (by pid) and waits for them.
sshd_stop_all() {
  local pid
  for pid in "${SSHD_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${SSHD_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  SSHD_PIDS=()
}

# sshd_port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
sshd_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# sshd_launch I: writes hostI's sshd_config for port SSHD_PORTS[I-1] and starts its sshd.
sshd_launch() {
  local i=$1 ssh=$WORK/ssh
  local dir=$ssh/host$i port=${SSHD_PORTS[$1 - 1]}
  cat > "$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 200
MaxSessions 100
LogLevel VERBOSE
Subsystem sftp internal-sftp
SetEnv SHLVL=1 "SSHD_HOST_DIR=$dir"
${SSHD_EXTRA:-}
CONF
  # sshd re-executes itself, so it needs its absolute path.
  "$SSHD_BIN" -D -e -f "$dir/sshd_config" 2> "$dir/sshd.log" &
  SSHD_PIDS[i - 1]=$!
}

start_sshd_hosts() {
  local n=$1 i port user tries ssh=$WORK/ssh
  SSHD_BIN=$(PATH=$PATH:/usr/sbin:/sbin command -v sshd)
  if [[ -z $SSHD_BIN ]]; then
    echo "sshd is not installed (Debian package openssh-server; scripts/setup installs it)"
    [[ "${HOPS_ALLOW_SKIP:-}" == 1 ]] && exit 77
    exit 1
  fi
  # As root, sshd insists on its privilege separation directory (made by systemd at boot).
  [[ $(id -u) == 0 ]] && mkdir -p /run/sshd
  user=$(id -un)
  mkdir -p "$ssh"
  # Keys: the user's and one per host, made in parallel.
  # Waits for the key jobs only: a bare `wait` would also wait for peers started before.
  local keygens=()
  ssh-keygen -q -t ed25519 -N '' -C hops-test -f "$ssh/id_ed25519" &
  keygens+=($!)
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$ssh/host$i"
    ssh-keygen -q -t ed25519 -N '' -C hops-test -f "$ssh/host$i/host_key" &
    keygens+=($!)
  done
  wait "${keygens[@]}"
  cp "$ssh/id_ed25519.pub" "$ssh/authorized_keys"
  mapfile -t SSHD_PORTS < <(sshd_free_ports "$n")
  if [[ ${#SSHD_PORTS[@]} -ne $n ]]; then echo "cannot find $n free ports"; exit 1; fi
  SSHD_PIDS=()
  on_exit sshd_stop_all
  for ((i = 1; i <= n; i++)); do sshd_launch "$i"; done
  # Wait until every sshd listens (up to 10 s); one whose port a parallel test took in the
  # meantime gets another port.
  for ((i = 1; i <= n; i++)); do
    tries=0
    until sshd_port_open "${SSHD_PORTS[i - 1]}"; do
      if ! kill -0 "${SSHD_PIDS[i - 1]}" 2>/dev/null && ((tries < 150)); then
        wait "${SSHD_PIDS[i - 1]}" 2>/dev/null
        SSHD_PORTS[i - 1]=$(sshd_free_ports 1)
        sshd_launch "$i"
        tries=$((tries + 50))
      fi
      if ((++tries > 200)); then
        echo "sshd host$i did not start on port ${SSHD_PORTS[i - 1]}"
        cat "$ssh/host$i/sshd.log"
        exit 1
      fi
      sleep 0.05
    done
  done
  : > "$ssh/known_hosts"
  printf 'version: 1\nnodes:\n' > "$WORK/inventory.yaml"
  for ((i = 1; i <= n; i++)); do
    port=${SSHD_PORTS[i - 1]}
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$ssh/host$i/host_key.pub")" >> "$ssh/known_hosts"
    cat >> "$WORK/inventory.yaml" <<YAML
  host$i:
    address: 127.0.0.1
    ssh: {user: $user, port: $port}
    scopes: [lab/app]
    attributes: {ssh_key: $ssh/id_ed25519}
YAML
  done
  if [[ -n ${HOPS_CONFIG:-} ]]; then
    printf '[ssh]\nknown_hosts = "%s"\n' "$ssh/known_hosts" >> "$HOPS_CONFIG"
  fi
  export HOPS_INVENTORY=$WORK/inventory.yaml
  # An agent of the caller's would be asked first; these hosts take only the throwaway key.
  unset SSH_AUTH_SOCK
}

# results_by_node RUN: `hjob-run results RUN --format csv`, normalised (norm of hjob-run.sh): a job's
# nodes are listed in the job's order, whatever order they ran in.
results_by_node() {
  echo "\$ hjob-run results RUN --format csv"
  hjob-run results "$1" --format csv | norm
}
