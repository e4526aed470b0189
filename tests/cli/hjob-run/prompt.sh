# On a terminal, an approval is also asked there: yes or no answers it, anything else asks again;
# what was typed before the question approves nothing; an answer from another process
# (hjob-run approve) withdraws the question.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
write_cutover
pty() { python3 "$HOPS_SOURCE_DIR/tests/cli/lib/terminal.py" "$@" | sed -E 's/^ *[0-9]+\.[0-9]s  /  N.Ns  /' | norm; }
echo "# typed ahead, then 'maybe', then 'yes'"
pty --send-first yes --wait "[yes/no]" --send maybe --wait "answer yes or no" --send yes -- hjob-run run cutover.yaml
id=$(last_run)
hjob-run results "$id" --format csv | cut -d, -f3,5,7 | norm
hjob-run status "$id" | grep '^ask' | norm

echo "# 'no' denies: the run fails"
pty --wait "[yes/no]" --send no -- hjob-run run cutover.yaml

echo "# approved from another process while the question is shown"
pty --wait "[yes/no]" --run "hjob-run approve \$(hjob-run list --limit 1 | cut -f1) ask >/dev/null" -- hjob-run run cutover.yaml

echo "# not a terminal: no question, the approve command answers"
before=$(last_run)
hjob-run run cutover.yaml < /dev/null > bg.out 2> bg.err &
bg=$!
for _ in $(seq 200); do id=$(last_run); [[ $id != "$before" ]] && break; sleep 0.05; done
wait_job "$id" ask waiting
hjob-run approve "$id" ask > /dev/null
wait "$bg"; echo "[exit $?]"
grep -c "yes/no" bg.err
