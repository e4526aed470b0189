# Runs a bash completion function on a command line (source it after the completion file).
# complete_with FUNCTION WORD... prints "WORDS|" and the candidates; the last word is the one
# being completed.
complete_with() {
  local fn=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  "$fn"
  printf '%s|' "$*"
  printf ' %s' "${COMPREPLY[@]}"
  printf '\n'
}
