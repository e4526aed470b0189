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
