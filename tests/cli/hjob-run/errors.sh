# Definition errors name file:line:column with a caret and a suggestion (exit 2); validate lists
# every one; usage errors and unknown runs or jobs say what was meant.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > bad.yaml <<'YAML'
name: bad
params: {day: ''}
jobs:
  extract: {run: [extract], outptu: ROWS}
  load:
    run: 'load "$day"'
    needs: [extrac]
  report:
    run: [report]
    needs: load
    when: jobs.load.status == sucess
  loop1: {run: [true], needs: loop2}
  loop2: {run: [true], needs: loop1}
  both: {run: [true], wait: {sleep: 1s}}
YAML
rn hjob-run validate bad.yaml
rn hjob-run run bad.yaml
rn hjob-run graph bad.yaml
rn hjob-run run missing.yaml
printf 'name: x\njobs: [a, b]\n' > list.yaml
rn hjob-run validate list.yaml
printf 'name: x\njobs:\n  a: {run: [true]\n' > syntax.yaml
rn hjob-run validate syntax.yaml
cat > ok.yaml <<'YAML'
name: ok
jobs:
  a: {run: [true]}
YAML
rn hjob-run validate ok.yaml
rn hjob-run run ok.yaml --format xml
rn hjob-run rnu ok.yaml
rn hjob-run status
rn hjob-run run ok.yaml
id=$(last_run)
rn hjob-run status "$id" --format json
rn hjob-run logs "$id" b
rn hjob-run logs "$id" a
rn hjob-run hold "$id" z
rn hjob-run status 20200101-000000-0000
