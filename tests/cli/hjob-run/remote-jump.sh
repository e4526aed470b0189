# A node with the inventory attribute ssh_jump is reached through the named node's SSH server
# (OpenSSH's ProxyJump), whose host key is checked as any node's; a jump to an unknown node or a
# circle of jumps is a definition error that names it.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 2
sed -i "/^  host2:/,/attributes/ s|attributes: {ssh_key: \(.*\)}|attributes: {ssh_key: \1, ssh_jump: host1}|" inventory.yaml
grep -c ssh_jump inventory.yaml
cat > flow.yaml <<'YAML'
name: jump
jobs:
  where: {run: 'echo "on $HOPS_NODE"', on: [host2]}
YAML
hjob-run run flow.yaml -v > out.txt 2>&1; echo "[exit $?]"
grep '^where' out.txt
# The connection to host2's port goes through host1's port, which logged one more login.
grep -q "@127.0.0.1:${SSHD_PORTS[1]}: through jump host '[^@']*@127.0.0.1:${SSHD_PORTS[0]}'" out.txt &&
  echo "host2 reached through host1" || cat out.txt
echo "logins on host1: $(grep -c 'Accepted publickey' "$WORK/ssh/host1/sshd.log")"
echo "logins on host2: $(grep -c 'Accepted publickey' "$WORK/ssh/host2/sshd.log")"
sed -i 's/ssh_jump: host1/ssh_jump: host3/' inventory.yaml
rn hjob-run run flow.yaml
sed -i 's/ssh_jump: host3/ssh_jump: host1/; /^  host1:/,/attributes/ s|attributes: {ssh_key: \(.*\)}|attributes: {ssh_key: \1, ssh_jump: host2}|' inventory.yaml
rn hjob-run run flow.yaml
