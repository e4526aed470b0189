# Helpers for CLI cases, then the case itself.
# run CMD...  prints "$ CMD", the command's stdout and stderr (in order), then "[exit N]".
run() {
  printf '$ %s\n' "$*"
  "$@" 2>&1
  printf '[exit %d]\n' "$?"
}
# code CMD...  prints only the command line and its exit code (for exit-code tables).
code() {
  "$@" >/dev/null 2>&1
  printf '%s -> %d\n' "$*" "$?"
}
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
source "$(dirname "${BASH_SOURCE[0]}")/on_exit.sh"
# A TCP port with nothing listening on it.
closed_port() { free_port; }
source "$1"
