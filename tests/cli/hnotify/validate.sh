# validate lists every definition error with file:line:column and a caret (exit 2), and warns of
# secrets it cannot read now; schema prints a JSON Schema; a broken file stops every command.
# The example's calendar route finds its calendar by the settings' calendar path.
printf '[calendar]\npath = ["%s"]\n' "$EXAMPLES/calendars.yaml" > "$HOPS_CONFIG"
run hnotify validate -c "$EXAMPLES/notify.yaml"
cat > bad.yaml <<'YAML'
defaults:
  language: fr
channels:
  ops:
    type: slack
    url: https://hooks.slack.com/services/T000/B000/XXXX
  hook:
    type: webhok
  cmd:
    type: command
    argv: [page, "{{titel}}"]
routes:
  - match: {severity: critcal}
    channels: [opz]
YAML
run hnotify validate -c bad.yaml
run hnotify send -c bad.yaml < /dev/null
cat > ok.yaml <<'YAML'
channels:
  ops: {type: slack, url_env: HOPS_TEST_NOT_SET}
routes:
  - channels: [ops]
YAML
run hnotify validate -c ok.yaml
HOPS_TEST_NOT_SET=https://example.invalid/x run hnotify validate -c ok.yaml
printf '$ hnotify schema | keys\n'
hnotify schema | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["$schema"], s["title"])
print("top:", *s["properties"])
print("channel types:", *s["$defs"]["channel"]["properties"]["type"]["enum"])
print("route:", *s["$defs"]["route"]["properties"])'
echo "--- the default file"
mkdir -p "$HOME/.config/hops"
cp ok.yaml "$HOME/.config/hops/notify.yaml"
run hnotify validate
run hnotify
run hnotify bogus
run hnotify spool
run hnotify silence
echo "--- a route's calendar: found by the settings' calendar path, else an error at its name"
cat > cal.yaml <<'YAML'
channels:
  ops: {type: command, argv: [cat]}
routes:
  - calendar: bz
    channels: [ops]
    else: {channels: [ops]}
YAML
run hnotify validate -c cal.yaml
: > "$HOPS_CONFIG"
run hnotify validate -c cal.yaml
