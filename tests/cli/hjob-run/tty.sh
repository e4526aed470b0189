# On a terminal, stderr shows each job's start and end with the seconds since the run started;
# when stdout is that terminal too, those lines stand for the text lines. Redirected, stdout keeps
# its text lines.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > chain.yaml <<'YAML'
name: chain
jobs:
  a: {run: [true]}
  b: {run: 'exit 1', needs: a, end_values: {warning: '1'}}
YAML
secs() { tr -d '\r' | sed -E 's/^ *[0-9]+\.[0-9]s  /  N.Ns  /' | norm; }
script -qec "hjob-run run chain.yaml" /dev/null | secs
echo "[exit ${PIPESTATUS[0]}]"
script -qec "hjob-run run chain.yaml > out.txt" /dev/null | secs
norm < out.txt
