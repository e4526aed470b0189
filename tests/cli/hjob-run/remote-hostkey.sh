# A host whose key is not in any known_hosts file is refused before anything runs on it: the
# message names the host and the key's fingerprint. After the key is recorded, the job runs.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 1
: > empty_known_hosts
cat > unknown.toml <<TOML
[ssh]
known_hosts = "$WORK/empty_known_hosts"
TOML
cat > flow.yaml <<'YAML'
name: hostkey
params:
  DIR:
jobs:
  touch: {run: 'touch "$DIR/ran"', on: host1}
YAML
fp=$(ssh-keygen -l -E sha256 -f ssh/host1/host_key.pub | cut -d' ' -f2 | sed 's/[+.]/\\&/g')
# The host's own fingerprint and port, made stable.
# (The one-line summaries cut the fingerprint short.)
stable_key() {
  sed -E "s|$fp|SHA256:FINGERPRINT|g; s|SHA256:[A-Za-z0-9+/]+\.\.\.\$|SHA256:CUT...|; s/127\.0\.0\.1:${SSHD_PORTS[0]}/127.0.0.1:PORT/g"
}
HOPS_CONFIG=$WORK/unknown.toml run hjob-run run flow.yaml --param "DIR=$WORK" | norm | stable_key
run hjob-run status | norm | stable_key
[ -e ran ] && echo "the command ran" || echo "nothing ran"
echo "logins: $(grep -c 'Accepted publickey' ssh/host1/sshd.log)"
[ -e home/.ssh/known_hosts ] && echo "the key was recorded" || echo "no key was recorded"
# With the key on record (the settings of start_sshd_hosts), it runs.
rn hjob-run run flow.yaml --param "DIR=$WORK"
[ -e ran ] && echo "the command ran" || echo "nothing ran"
echo "logins: $(grep -c 'Accepted publickey' ssh/host1/sshd.log)"
