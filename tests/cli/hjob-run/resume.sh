# resume reruns a run's failed and unfinished jobs, skipping those that succeeded (their outputs
# restored for the jobs after them); --next, --from, --only and --warnings pick other jobs.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > batch.yaml <<'YAML'
name: batch
parallel: 1
jobs:
  fetch:
    run: 'echo fetch >> ran; echo 42'
    output: COUNT
  load:
    # Fails until ./fixed exists.
    run: 'echo load >> ran; test -e fixed || { echo "table locked" >&2; exit 1; }; echo "loaded $COUNT"'
    needs: fetch
  report: {run: 'echo report >> ran; echo "report of $COUNT"', needs: load}
  check: {run: 'echo check >> ran; exit 1', end_values: {warning: '1'}, needs: fetch}
YAML
rn hjob-run run batch.yaml
id=$(last_run)
touch fixed
rn hjob-run resume "$id"
echo "jobs run, in order:" $(cat ran)
rn hjob-run logs "$id" load
rn hjob-run resume "$id"

: > ran
rn hjob-run resume "$id" --warnings
rn hjob-run resume "$id" --from load
rn hjob-run resume "$id" --only report
echo "jobs run, in order:" $(cat ran)

# --next: the failed job counts as skipped and the jobs after it run.
rm fixed
: > ran
rn hjob-run run batch.yaml
id2=$(last_run)
rn hjob-run resume "$id2" --next
echo "jobs run, in order:" $(cat ran)

# Mistakes are usage errors.
rn hjob-run resume "$id2" --only lod
rn hjob-run resume "$id2" --only load --from load
rn hjob-run resume 20260101-000000-beef
