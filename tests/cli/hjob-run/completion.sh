# The bash completion offers commands, each command's options and values, flow files, and the
# run ids and job names of the state store.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/completions/bash/hjob-run"
source "$HOPS_SOURCE_DIR/tests/cli/lib/complete.sh"
complete_line() { complete_with _hjob_run "$@"; }
cat > f.yaml <<'YAML'
name: f
jobs:
  extract: {run: [true]}
  load: {run: [true], needs: extract}
YAML
hjob-run run f.yaml >/dev/null
id=$(last_run)
complete_line hjob-run re | norm
complete_line hjob-run run - | norm
complete_line hjob-run run f | norm
complete_line hjob-run resume '' | norm
complete_line hjob-run resume "$id" --from '' | norm
complete_line hjob-run approve "$id" '' | norm
complete_line hjob-run results --format '' | norm
complete_line hjob-run graph f.yaml --format '' | norm
complete_line hjob-run skip "$id" load --as '' | norm
