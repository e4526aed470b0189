# schema prints JSON Schemas for editors; calendars lists what is loaded.
hcal schema | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["title"]); print(sorted(s["$defs"]["calendar"]["properties"]))'
hcal schema jp-holidays | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["title"]); print(sorted(s["properties"]))'
run hcal schema nosuch
run hcal -f "$EXAMPLES/calendars.yaml" calendars --names
