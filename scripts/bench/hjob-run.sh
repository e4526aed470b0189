#!/usr/bin/env bash
# Benchmarks hjob-run's SSH fan-out against Debian's ansible and parallel-ssh (pssh), in the same
# run, against the same 50 loopback OpenSSH "hosts" (tests/cli/lib/sshd.sh: one sshd per host on
# 127.0.0.1, each with its own host key, all taking one throwaway ed25519 user key):
#   `uname -r` on 20 and on 50 hosts, N at once (N = the host count), by
#   hjob-run run      a one-job flow, on: {scope: ..., parallel: N}, run recorded in a fresh state
#                     store as usual
#   ansible           ansible all -i INV -m command -a 'uname -r' -f N (an INI inventory with
#                     ansible_port per host)
#   parallel-ssh      parallel-ssh -h HOSTS -p N -i uname -r (user@127.0.0.1:port lines)
# and prints the median wall time, the per-host overhead (t50 - t20) / 30, peak RSS (the largest
# process, /usr/bin/time) and the ratios; targets: hjob-run >= 10x faster than ansible, and
# faster than parallel-ssh.
# Each tool's answers are counted (lines equal to `uname -r`) in a check run before timing, so a
# tool that fails cannot look fast.
# Fairness:
# - Every tool checks host keys against the same known_hosts file (ansible and pssh through
#   ssh -o UserKnownHostsFile=... -o StrictHostKeyChecking=yes) and logs in with the same key;
#   no ssh-agent (SSH_AUTH_SOCK unset).
# - Every run opens fresh connections: ansible's ControlMaster/ControlPersist is off (with it, a
#   run would reuse the master connections of the run before). ansible gets its fast settings
#   otherwise: pipelining on, the Python interpreter given (no discovery round trip).
# - Logins are not slowed by the login user's shell rc files (root's ~/.bashrc here runs
#   `pyenv init`, ~140 ms): the sshds `SetEnv SHLVL=1` (tests/cli/lib/sshd.sh), so bash, the
#   login shell, does not count itself as started by sshd and skips ~/.bashrc, for all three
#   tools alike.
# - HOME is a temp directory, so nothing is written to the user's ~ (ansible's ~/.ansible, ssh's
#   ~/.ssh); the remote user is the current one.
# Also: 100 MB through a jump host, beside ssh -J.
# Usage: scripts/bench/hjob-run.sh [RUNS]   (default 3 runs per measurement, median reported)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
scripts/setup --bench
scripts/build --target hjob-run >/dev/null
hjob_run=$PWD/build/hjob-run
work=$(mktemp -d)
WORK=$work
export HOME=$work/home HOPS_CONFIG=$work/config.toml HOPS_STATE_DIR=$work/state
mkdir -p "$HOME"
: > "$HOPS_CONFIG"
source tests/cli/lib/sshd.sh
source scripts/bench/lib.sh
cleanup() {
  sshd_stop_all
  rm -rf "$work"
}
counts=(20 50)
max=50
echo "starting $max loopback sshd hosts"
start_sshd_hosts "$max"
trap cleanup EXIT
user=$(id -un)
key=$work/ssh/id_ed25519
known=$work/ssh/known_hosts
expected=$(uname -r)

# The same hosts for each tool: scopes bench/nN (hjob-run), INI inventories and pssh host files.
{
  echo "version: 1"
  echo "nodes:"
  for ((i = 1; i <= max; i++)); do
    scopes="bench/n50"
    ((i <= 20)) && scopes="bench/n20, bench/n50"
    echo "  host$i: {address: 127.0.0.1, ssh: {user: $user, port: ${SSHD_PORTS[i - 1]}}, scopes: [$scopes], attributes: {ssh_key: $key}}"
  done
} > "$work/inventory.yaml"
for n in "${counts[@]}"; do
  : > "$work/ansible-$n.ini"
  : > "$work/pssh-$n.hosts"
  for ((i = 1; i <= n; i++)); do
    echo "host$i ansible_host=127.0.0.1 ansible_port=${SSHD_PORTS[i - 1]} ansible_user=$user" >> "$work/ansible-$n.ini"
    echo "$user@127.0.0.1:${SSHD_PORTS[i - 1]}" >> "$work/pssh-$n.hosts"
  done
  cat > "$work/flow-$n.yaml" <<YAML
name: uname$n
jobs:
  uname:
    run: [uname, -r]
    on: {scope: bench/n$n, parallel: $n}
YAML
done

export ANSIBLE_SSH_ARGS="-o ControlMaster=no -o UserKnownHostsFile=$known -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"
export ANSIBLE_PRIVATE_KEY_FILE=$key ANSIBLE_PIPELINING=True ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
export ANSIBLE_HOME=$work/ansible ANSIBLE_LOCAL_TEMP=$work/ansible/tmp ANSIBLE_REMOTE_TMP=$work/ansible/remote
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_DEPRECATION_WARNINGS=False
unset ANSIBLE_CONFIG

# tool_cmd TOOL N: sets cmd to TOOL's command line for N hosts.
tool_cmd() {
  case $1 in
    hjob-run) cmd=("$hjob_run" run --inventory "$work/inventory.yaml" "$work/flow-$2.yaml") ;;
    ansible) cmd=(ansible all -i "$work/ansible-$2.ini" -m command -a 'uname -r' -f "$2") ;;
    parallel-ssh)
      cmd=(parallel-ssh -h "$work/pssh-$2.hosts" -p "$2" -t 60 -i -O UserKnownHostsFile="$known"
        -O StrictHostKeyChecking=yes -O IdentitiesOnly=yes -O IdentityFile="$key" uname -r) ;;
  esac
}
answers() { grep -cxF "$expected" || true; }

tools=(hjob-run ansible parallel-ssh)
declare -A t rss
echo "runs per measurement: $runs (median wall time)"
for n in "${counts[@]}"; do
  for tool in "${tools[@]}"; do
    tool_cmd "$tool" "$n"
    if [[ $tool == hjob-run ]]; then
      "${cmd[@]}" >/dev/null 2>&1 || true
      got=$("$hjob_run" logs "$("$hjob_run" list --limit 1 | cut -f1)" uname | answers)
    else
      got=$("${cmd[@]}" 2>&1 | answers)
    fi
    echo "check: $tool got $got of $n answers"
    t[$tool,$n]=$(median "${cmd[@]}")
    rss[$tool,$n]=$(peak_mib "${cmd[@]}")
  done
done
for n in "${counts[@]}"; do
  for tool in "${tools[@]}"; do
    printf '%-44s %8s s   peak RSS %6s MiB\n' "$tool, uname -r on $n hosts" "${t[$tool,$n]}" "${rss[$tool,$n]}"
  done
done
for tool in "${tools[@]}"; do
  printf '%-44s %8.1f ms\n' "$tool per-host overhead (t50 - t20) / 30" "$(echo "(${t[$tool,50]} - ${t[$tool,20]}) * 1000 / 30" | bc -l)"
done
for n in "${counts[@]}"; do
  printf '%-44s %8.1fx (target >= 10x)\n' "ansible / hjob-run, $n hosts" "$(echo "${t[ansible,$n]} / ${t[hjob-run,$n]}" | bc -l)"
  printf '%-44s %8.1fx (target > 1x)\n' "parallel-ssh / hjob-run, $n hosts" "$(echo "${t[parallel-ssh,$n]} / ${t[hjob-run,$n]}" | bc -l)"
done

# Through a jump host: 100 MB of output from host2 reached through host1, hjob-run (inventory
# ssh_jump) beside OpenSSH through the same hop (ssh -W, what ssh -J does) with the same key and
# known_hosts. The byte count
# that arrived is checked, so a transfer cut short cannot look fast.
{
  echo "version: 1"
  echo "nodes:"
  echo "  host1: {address: 127.0.0.1, ssh: {user: $user, port: ${SSHD_PORTS[0]}}, attributes: {ssh_key: $key}}"
  echo "  host2: {address: 127.0.0.1, ssh: {user: $user, port: ${SSHD_PORTS[1]}}, attributes: {ssh_key: $key, ssh_jump: host1}}"
} > "$work/jump.yaml"
cat > "$work/flow-jump.yaml" <<YAML
name: jump
jobs:
  big: {run: 'head -c 100000000 /dev/zero; echo', on: [host2], timeout: 10m}
YAML
jump_hjob=("$hjob_run" run --inventory "$work/jump.yaml" "$work/flow-jump.yaml")
# ProxyJump's inner ssh does not take -i and -o: the same hop as a ProxyCommand with -W does.
ssh_opts=(-o BatchMode=yes -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i "$key")
jump_ssh=(ssh "${ssh_opts[@]}" -o "ProxyCommand=ssh ${ssh_opts[*]} -W %h:%p -p ${SSHD_PORTS[0]} $user@127.0.0.1"
  -p "${SSHD_PORTS[1]}" "$user@127.0.0.1" 'head -c 100000000 /dev/zero')
"${jump_hjob[@]}" > /dev/null 2>&1
echo "check: hjob-run through the jump host: $("$hjob_run" status "$("$hjob_run" list --limit 1 | cut -f1)" | grep -c '^big	success')/1 success"
echo "check: ssh via -W got $("${jump_ssh[@]}" 2>/dev/null | wc -c) of 100000000 bytes"
tj=$(median "${jump_hjob[@]}")
ts=$(median "${jump_ssh[@]}")
printf '%-44s %8s s   peak RSS %6s MiB\n' "hjob-run, 100 MB through a jump host" "$tj" "$(peak_mib "${jump_hjob[@]}")"
printf '%-44s %8s s   peak RSS %6s MiB\n' "ssh via -W, 100 MB through a jump host" "$ts" "$(peak_mib "${jump_ssh[@]}")"
printf '%-44s %8.1fx\n' "ssh via -W / hjob-run through a jump host" "$(echo "$ts / $tj" | bc -l)"
