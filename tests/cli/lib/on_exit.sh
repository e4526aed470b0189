# on_exit CMD: runs the shell command CMD when the case exits, after the ones registered before
# it. Every peer library registers its stop here (never with a trap of its own, which would
# replace the others'), so that a case can start several peers and none outlives it.
# HOPS_EXIT_FINAL (optional) runs after all of them (e.g. removing the directory they used).
HOPS_EXIT_CMDS=()
on_exit() {
  HOPS_EXIT_CMDS+=("$1")
  trap 'set +e; for hops_c in "${HOPS_EXIT_CMDS[@]}"; do eval "$hops_c"; done; eval "${HOPS_EXIT_FINAL:-}"' EXIT
}
