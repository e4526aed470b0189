# Global options (-f, --format, -v, -q) may come before or after the command, and a command's
# options before or after CAL; one FILE per -f.
E=$EXAMPLES/calendars.yaml
# JSON events carry the time and host they were written at: keep the stable part.
stable() { sed -E 's/"time":"[^"]*","tool":"hcal","host":"[^"]*",//'; }
run hcal -f "$E" --format json -v is-open biz --at 2026-11-20T10:00+09:00 | stable
run hcal is-open biz -f "$E" --format json -v --at 2026-11-20T10:00+09:00 | stable
run hcal is-open -f "$E" biz -v --at 2026-11-20T10:00+09:00
run hcal hours biz --year 2026 -f "$E" --format json | stable
run hcal list --month 2026-05 -f "$E" --closed biz
cp "$E" copy.yaml
run hcal is-business-day -f "$E" -f copy.yaml copy.yaml:biz 2026-05-07 -v
run hcal calendars --names -f copy.yaml -q
# gate: options anywhere before '--'; everything after '--' is the command's, options included.
run hcal gate biz -f "$E" --at 2026-11-20T10:00+09:00 -v -- echo ran -v -f x --at y
run hcal gate -f "$E" biz --closed-exit 3 --at 2026-11-21T10:00+09:00 -- echo ran
run hcal holidays --from 2026-12-30 -q --to 2027-01-02 --set jp-bank
