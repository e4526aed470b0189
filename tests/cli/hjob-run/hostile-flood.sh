# A remote command that prints far more than the capture caps (100 MB on stdout, then 100 MB on
# stderr): hjob-run reads it all (the command is never blocked or cut short), keeps its memory
# bounded, logs the first 1 MiB of stdout and 256 KiB of stderr with a note each, and the job
# ends normally.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/sshd.sh"
start_sshd_hosts 1
cat > flow.yaml <<'YAML'
name: flood
params:
  DIR:
jobs:
  flood:
    run: |
      head -c 100000000 /dev/zero | tr '\0' o
      echo "stdout written: $?" > "$DIR/done"
      head -c 100000000 /dev/zero | tr '\0' e >&2
      echo "stderr written: $?" >> "$DIR/done"
    on: [host1]
  after: {run: [echo, after], needs: flood}
YAML
/usr/bin/time -o rss -f %M hjob-run run flow.yaml --param "DIR=$WORK" 2>&1 | norm
cat done
rss=$(tail -1 rss)
[ "$rss" -lt 65536 ] && echo "peak RSS below 64 MiB" || echo "peak RSS ${rss} KiB"
log=$HOPS_STATE_DIR/hjob-run/$(last_run)/flood@host1.log
echo "log: $(wc -c < "$log") bytes"
grep -a -o -e '--- std[a-z]* cut at [0-9]* bytes ---' "$log"
