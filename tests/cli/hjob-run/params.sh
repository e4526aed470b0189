# Parameters reach jobs as environment variables, byte for byte, whatever they hold: quotes,
# $(...), backquotes, ';', '&&', newlines. Nothing is spliced into a command string, so nothing
# in a value runs. They pass through an output and a sub-flow parameter the same way.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > sub.yaml <<'YAML'
name: sub
params:
  V:
jobs:
  keep: {run: 'printf "%s" "$V" > sub.out'}
YAML
cat > flow.yaml <<'YAML'
name: hostile
parallel: 1
params:
  V:
jobs:
  argv: {run: [sh, -c, 'printf "%s" "$V" > argv.out']}
  shell: {run: 'printf "%s" "$V" > shell.out; printf "%s" "$V"', output: OUT}
  again: {run: 'printf "%s" "$OUT" > output.out', needs: shell}
  sub: {flow: sub.yaml, params: {V: '${OUT}'}, needs: shell}
YAML
value=$(printf '%s\n%s' "it's \"quoted\" \$(touch pwned1) \`touch pwned2\` ; touch pwned3 && touch pwned4 | x > y" '$HOME ${V} %s \n \\ end')
printf '%s' "$value" > expected.out
rn hjob-run run flow.yaml --param "V=$value"
for f in argv shell output sub; do
  if cmp -s expected.out "$f.out"; then echo "$f: arrived literally"; else echo "$f: DIFFERS"; od -c "$f.out" | head; fi
done
ls pwned* 2>/dev/null || echo "nothing in the value ran"
# The dry run shows the plan and the value without running or recording anything.
rn hjob-run run flow.yaml --dry-run --param 'V=$(id)'
rn hjob-run list
# Unknown and missing parameters are usage errors.
rn hjob-run run flow.yaml --param W=1
rn hjob-run run flow.yaml
rn hjob-run run flow.yaml --param novalue
