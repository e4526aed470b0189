# Bad definitions: file:line:column, did-you-mean, every error listed, exit 3 (UNKNOWN).
cat > bad.yaml <<'YAML'
version: 1
defaults:
  timeout: 10
monitors:
  web:
    type: htp
  db:
    type: tcp
    target: 127.0.0.1:5432
    expct: foo
  disk:
    type: disk
    target: /
    warning: "90:80"
  child:
    type: tcp
    target: 127.0.0.1:1
    depends_on: parnet
  templ:
    type: tcp
    target: "{{node.address}}:22"
  cond:
    type: tcp
    target: 127.0.0.1:1
    conditions:
      - {status: [200]}
  thr:
    type: load
    thresholds:
      load2: {warning: 1}
  win:
    type: memory
    window: 5/3
  banner:
    type: tcp
    target: 127.0.0.1:22
    expect_regex: "^SSH-(?!1)"
  logs:
    type: logfile
    target: /var/log/app.log
    critical_pattern: [FATAL, '(\w+) \1']
YAML
run hmon-check validate -f bad.yaml
run hmon-check run -f bad.yaml
run hmon-check run -f nosuch.yaml
run hmon-check run --bogus
run hmon-check
run hmon-check history
run hmon-check run -f bad.yaml --concurrency 0
# Command-line mistakes: git-style wording, a suggestion when one is close, exit 3.
run hmon-check run --chnages-only
run hmon-check rnu
run hmon-check frobnicate
run hmon-check history web extra
run hmon-check run --format yaml
run hmon-check list --fromat json
run hmon-check --format json run
run hmon-check run --lock-wait
# Settings: a bad retention is reported at its place, before anything runs.
printf '[monitor]\nretention = "30x"\n' > settings.toml
HOPS_CONFIG=$PWD/settings.toml run hmon-check run -f bad.yaml
# Selectors and calendars of monitors: at the value, with the inventory's suggestion, exit 3.
cat > inv.yaml <<'YAML'
nodes:
  web01: {address: 127.0.0.11, scopes: [tokyo/web], tags: {role: web}}
  db01: {address: 127.0.0.21, scopes: [tokyo/db]}
YAML
cat > sel.yaml <<'YAML'
version: 1
monitors:
  web:
    type: tcp
    target: "{{node.address}}:80"
    scope: [tokio/web]
  db:
    type: tcp
    target: "{{node.address}}:5432"
    nodes: db1
  batch:
    type: tcp
    target: "{{node.address}}:22"
    scope: "tag:role=wbe"
  office:
    type: tcp
    target: 127.0.0.1:1
    calendar: biz
YAML
printf '[calendar]\npath = []\n' > nocal.toml
HOPS_CONFIG=$PWD/nocal.toml run hmon-check validate -f sel.yaml --inventory inv.yaml
printf 'monitors:\n  web:\n    type: tcp\n    target: "{{node.address}}:80"\n    scope: tokio/web\n' > one.yaml
run hmon-check run -f one.yaml --inventory inv.yaml
printf 'defaults:\n  calendar: biz\nmonitors:\n  office: {type: tcp, target: "127.0.0.1:1"}\n' > office.yaml
HOPS_CONFIG=$PWD/nocal.toml run hmon-check run -f office.yaml
printf 'calendars:\n  bizz: {holidays: [jp]}\n' > cal.yaml
run hmon-check list -f office.yaml --calendars cal.yaml
# history of an id the state store has never seen: an error with a suggestion, exit 3.
printf 'monitors:\n  refused: {type: tcp, target: "127.0.0.1:1"}\n' > hist.yaml
code hmon-check run -f hist.yaml
run hmon-check history refusd
run hmon-check history nosuch
run hmon-check history refused --node web01
run hmon-check history refused --since 2099-01-01
