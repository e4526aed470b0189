# The bash completion offers global options before and after the command, and calendar names
# from the -f files wherever they are on the line.
source "$HOPS_SOURCE_DIR/completions/bash/hcal"
source "$HOPS_SOURCE_DIR/tests/cli/lib/complete.sh"
complete_line() { complete_with _hcal "$@"; }
E=$EXAMPLES/calendars.yaml
complete_line hcal -
complete_line hcal --q
complete_line hcal is-open biz -
complete_line hcal is-open -f "$E" b
complete_line hcal is-open biz -f "$E" --format ''
complete_line hcal -f "$E" gate b
complete_line hcal gate -f "$E" biz -
complete_line hcal gate biz --at ''
complete_line hcal gate biz --at now -- -
# validate evaluates a period (ISO dates only).
complete_line hcal validate --y
complete_line hcal validate --from ''
