# Jobs with on: run over real SSH (loopback sshd "hosts", tests/cli/lib/sshd.sh): an argv command,
# a shell string whose parameters hold hostile bytes (they arrive literally, nothing in them runs),
# and a script copied by SFTP, run with its arguments and removed afterwards, also when it fails.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 3
cat > probe.sh <<'SH'
#!/bin/sh
# Records where it was copied to, then exits with its first argument.
echo "$0" >> "$DIR/scripts-$HOPS_NODE"
echo "script on $HOPS_NODE args: $*"
exit "$1"
SH
cat > flow.yaml <<'YAML'
name: remote
parallel: 1
params:
  DIR:
  V:
jobs:
  argv:
    run: [printf, '%s|%s\n', "it's", '$(id) `id` ; id']
    on: {scope: lab/app}
  shell:
    run: 'cd "$DIR" && printf "%s" "$V" > "got-$HOPS_NODE" && printf "%s" "$V" | od -An -c'
    on: [host1, host2, host3]
    needs: argv
  script:
    script: [probe.sh, '0', 'two words']
    on: {scope: lab/app, parallel: 3}
    needs: shell
YAML
value=$(printf '%s\n%s' "it's \"quoted\" \$(touch pwned1) \`touch pwned2\` ; touch pwned3" 'touch pwned4')
printf '%s' "$value" > expected.out
rn hjob-run run flow.yaml --param "DIR=$WORK" --param "V=$value"
id=$(last_run)
rn hjob-run logs "$id" argv --node host1
rn hjob-run logs "$id" shell --node host2
for n in host1 host2 host3; do
  cmp -s expected.out "got-$n" && echo "$n: the value arrived literally" || { echo "$n: DIFFERS"; od -c "got-$n"; }
done
ls pwned* 2>/dev/null || echo "nothing in the value ran"
rn hjob-run logs "$id" script --node host3
results_by_node "$id"

# A failing script is removed all the same.
sed -i "s/'0', 'two words'/'3'/" flow.yaml
rn hjob-run run flow.yaml --param "DIR=$WORK" --param V=x
for n in host1 host2 host3; do
  echo "$n: $(wc -l < "scripts-$n") scripts ran, $(xargs ls -d 2>/dev/null < "scripts-$n" | wc -l) left in place"
  grep -qv '^/tmp/hops-' "scripts-$n" && echo "$n: a script ran from elsewhere: $(cat "scripts-$n")"
done
