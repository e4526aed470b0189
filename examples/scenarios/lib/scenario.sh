# Sourced by each scenario's run.sh: finds the built binaries, gives the scenario a throwaway
# directory (its state store, settings file and what the local peers record), starts those peers
# on 127.0.0.1 only, and narrates. Every peer is stopped by pid when the scenario exits.
#
# Environment:
#   HOPS_BIN       directory of the built binaries (default: build/ of this checkout)
#   SCENARIO_WORK  directory to work in, kept afterwards (default: a temporary one, removed)
#   SCENARIO_QUIET 1: print only the narration, not the commands' output
set -euo pipefail
HOPS_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
HOPS_BIN=${HOPS_BIN:-$HOPS_SOURCE_DIR/${BUILD_DIR:-build}}
for hops_tool in hcal hmon-check hnotify hjob-run haws-ec2 hscope-sync; do
  if [[ ! -x $HOPS_BIN/$hops_tool ]]; then
    echo "scenario: $HOPS_BIN/$hops_tool is missing; build first (scripts/build) or set HOPS_BIN" >&2
    exit 2
  fi
done
export HOPS_SOURCE_DIR HOPS_BIN PATH="$HOPS_BIN:$PATH"
# The scenario's own folder (its YAML files).
SCENARIO_DIR=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
source "$HOPS_SOURCE_DIR/tests/cli/lib/ports.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/on_exit.sh"
if [[ -n ${SCENARIO_WORK:-} ]]; then
  WORK=$SCENARIO_WORK
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/hops-scenario.XXXXXX")
  HOPS_EXIT_FINAL='rm -rf "$WORK"'
  trap 'set +e; eval "$HOPS_EXIT_FINAL"' EXIT
fi
WORK=$(cd "$WORK" && pwd)
# Interrupted (Ctrl-C, a timeout, a closed terminal): exit, so that the EXIT trap stops every
# peer and removes the work directory.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# Nothing of the caller's settings, state or inventory leaks in; nothing is left behind.
export WORK HOPS_STATE_DIR=$WORK/state HOPS_CONFIG=$WORK/hops.toml LC_ALL=C.UTF-8 NO_COLOR=1
unset HOPS_INVENTORY XDG_CONFIG_HOME XDG_STATE_HOME CLICOLOR_FORCE
: > "$HOPS_CONFIG"

# Peers (each sets the variables its library documents and stops with the scenario).
peer_nginx() { source "$HOPS_SOURCE_DIR/tests/cli/lib/nginx.sh"; start_nginx; }
peer_sshd() { source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"; start_sshd_hosts "$1"; }
peer_smtp() { source "$HOPS_SOURCE_DIR/tests/cli/lib/smtp.sh"; start_smtp; }
peer_webhook() { source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"; }
peer_ec2() { source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"; start_ec2_mock "$@"; }

# Narration: `title TEXT` a heading, `say TEXT` a paragraph in plain words, `step CMD...` shows
# the command and its output (indented) and sets STEP_RC to its exit code, which never stops the
# scenario; `show TEXT` shows a command line without running it.
title() { printf '\n== %s ==\n' "$*"; }
say() { printf '%s\n' "$*" | fmt -w 78; }
show() { printf '  $ %s\n' "$*"; }
step() {
  show "$*"
  set +e
  if [[ ${SCENARIO_QUIET:-} == 1 ]]; then
    "$@" > /dev/null 2>&1
  else
    "$@" 2>&1 | sed 's/^/    /'
  fi
  STEP_RC=${PIPESTATUS[0]}
  set -e
  printf '    [exit %d]\n' "$STEP_RC"
}
# step_in DIR CMD...: step with DIR as the working directory.
step_in() { local dir=$1; shift; (cd "$dir" && step "$@"); }
