#!/usr/bin/env bash
# Every long option and subcommand a binary's --help shows must be documented in its man page and
# offered by its bash, zsh and fish completions, so none of the four can drift from the binary.
# Usage: options.sh BUILD_DIR SOURCE_DIR TOOL
set -uo pipefail
bin=$1/$3 src=$2 tool=$3
man=$src/man/$tool.1
files=("$man" "$src/completions/bash/$tool" "$src/completions/zsh/_$tool" "$src/completions/fish/$tool.fish")
for f in "${files[@]}"; do
  [[ -f $f ]] || { echo "missing $f"; exit 1; }
done

# Subcommands: the indented first words of the help's "Subcommands:"-like sections.
help_sections() { "$@" --help | awk '/^[A-Z][A-Za-z -]*:$/ {sec=$0; next} sec != "Options:" && /^  [a-z]/ {print $1}'; }
# Long options of one help text, without the reserved --help/--version.
long_opts() { "$@" --help | grep -oE -- '--[a-z][a-z0-9-]*' | grep -vxE -- '--(help|version)' | sort -u; }

subs=$(help_sections "$bin")
generated_subs=$("$bin" --help | awk '/^[A-Z][A-Za-z -]*:$/ {sec=$0; next} sec != "Options:" && sec != "Subcommands:" && /^  [a-z]/ {print $1}')
fail=0
# An option counts as present in a file when the file names it as --opt (\-\-opt in troff),
# -l opt (fish), or, for the options generated from a monitor type's parameters and measures
# (--PARAM, --warn-MEASURE, --crit-MEASURE) of the subcommands help lists outside its
# "Subcommands:" section (hmon-check's ad-hoc checks), by its YAML name with underscores.
present() {  # present WORD FILE
  local word=$1 f=$2 bare=${1#--}
  if [[ $word != --* ]]; then  # a subcommand: the bare word
    grep -qE -- "(^|[^a-z0-9_-])${word//-/(-|\\\\-)}([^a-z0-9_-]|$)" "$f"
    return
  fi
  local yaml=${bare#warn-}; yaml=${yaml#crit-}; yaml=${yaml//-/_}
  grep -qE -- "(^|[^a-z0-9_-])(--|\\\\-\\\\-|-l )${bare//-/(-|\\\\-)}([^a-z0-9_-]|$)" "$f" && return 0
  [[ $generated == 1 ]] && grep -qE -- "(^|[^a-z0-9_])${yaml}([^a-z0-9_]|$)" "$f" && return 0
  return 1
}
check() {  # check WORD WHAT: WORD must be in every file (for the man page: section 1 or 5)
  local word=$1 f
  for f in "${files[@]}"; do
    if [[ $f == "$man" ]]; then
      present "$word" "$man" || { [[ -f ${man%.1}.5 ]] && present "$word" "${man%.1}.5"; } && continue
    else
      present "$word" "$f" && continue
    fi
    echo "$tool: '$word' ($2) is not in ${f#"$src"/}"
    fail=1
  done
}
for o in $(long_opts "$bin"); do check "$o" "option"; done
generated=0
for s in $subs; do
  check "$s" "subcommand"
  generated=0; grep -qx -- "$s" <<<"$generated_subs" && generated=1
  for o in $(long_opts "$bin" "$s"); do check "$o" "option of $s"; done
done
n_subs=$(wc -w <<<"$subs")
[[ $n_subs -gt 0 ]] || { echo "$tool: no subcommands found in --help"; exit 1; }
[[ $fail == 0 ]] && echo "$tool: $n_subs subcommands and their options are in the man page and all completions"
exit $fail
