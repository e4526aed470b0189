# hops-template lists items, validates, and maps every error to the documented exit code.
cat > items.yaml <<'YAML'
items:
  greet: {command: [echo, "hello world"]}
  clean: {command: [find, /tmp, -mtime, "+7"]}
YAML
run hops-template -f items.yaml list
run hops-template list -f items.yaml --format json
run hops-template -f items.yaml validate
printf 'items:\n  greet: {comand: [echo]}\n' > bad.yaml
run hops-template -f bad.yaml validate
run hops-template -f items.yaml
run hops-template -f missing.yaml list
