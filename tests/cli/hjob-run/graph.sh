# graph draws a flow as a text tree, Graphviz DOT or a Mermaid flowchart; --dry-run prints the
# plan in the order the jobs would run. A job names the script it runs and the nodes it runs on.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > sub.yaml <<'YAML'
name: sub
jobs:
  s: {run: [true]}
YAML
cat > flow.yaml <<'YAML'
name: close
params: {day: today}
jobs:
  lb-out: {run: [lbctl, drain, app1]}
  stop: {run: 'systemctl stop app', needs: lb-out, retry: 2, timeout: 5m}
  backup: {run: [backup, --full], needs: stop, output: ARCHIVE}
  verify: {flow: sub.yaml, needs: backup}
  ok: {approval: {message: "Stop the \"EC2\" instance?"}, needs: [backup, verify]}
  ec2: {run: [haws-ec2, stop, i-0abc], needs: ok, when: jobs.verify.status == success}
  pause: {wait: {sleep: 30s}, needs: stop}
on_failure: {run: [hnotify, send]}
YAML
rn hjob-run graph flow.yaml
rn hjob-run graph flow.yaml --format dot
rn hjob-run graph flow.yaml --format mermaid
rn hjob-run run flow.yaml --dry-run
printf '#!/bin/sh\ntar -czf /backup/app.tar.gz /srv/app\n' > dump.sh
cat > remote.yaml <<'YAML'
name: remote
params: {tier: tokyo/web}
jobs:
  stop: {run: 'systemctl stop app', on: {scope: "${tier}", parallel: 2}}
  dump: {script: [dump.sh, --full], on: {scope: "${tier}", mode: any}, needs: stop}
  clean: {run: [rm, -f, /tmp/app.lock], on: [web1, web2], needs: stop}
  local: {script: dump.sh, needs: [dump, clean]}
YAML
rn hjob-run graph remote.yaml
rn hjob-run graph remote.yaml --format mermaid
