# The example flows load, plan and run: the nightly close on a calendar that is always open, and
# the configuration switch approved from a second process.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
F=$EXAMPLES/flows
rn hjob-run validate "$F/nightly.yaml" --calendars "$EXAMPLES/calendars.yaml"
rn hjob-run validate "$F/approval.yaml"
rn hjob-run validate "$F/night-close.yaml" --calendars "$EXAMPLES/calendars.yaml"
rn hjob-run validate "$F/disk-recovery.yaml"
# A "biz" that is open every day and hour, so that the run does not depend on today.
cat > open.yaml <<'YAML'
version: 1
calendars:
  biz: {timezone: UTC, weekdays: mon-sun}
YAML
mkdir spool archive
printf 'a,b\n' > spool/one.csv
printf 'c,d\n' > spool/two.csv
rn hjob-run run "$F/nightly.yaml" --calendars open.yaml --param spool=spool --param archive=archive --dry-run
# The disk thresholds are out of reach, so that the run does not depend on this host's disk; jobs
# that run at once end in any order.
rn hjob-run run "$F/nightly.yaml" --calendars open.yaml --param spool="$WORK/spool" --param archive="$WORK/archive" \
  --param warn_pct=101 --param fail_pct=102 | sort
id=$(last_run)
hjob-run results "$id" --format csv | cut -d, -f3,5,11,12 | sed -E 's/USED_PCT,[0-9]+$/USED_PCT,N/'
ls archive | sed -E 's/[0-9]{8}/DATE/'

printf 'version=1\nport=80\n' > live.conf
printf 'version=2\nport=8080\n' > new.conf
hjob-run run "$F/approval.yaml" --param new="$WORK/new.conf" --param live="$WORK/live.conf" > switch.out 2> switch.err &
bg=$!
for _ in $(seq 200); do id2=$(last_run); [ "$id2" != "$id" ] && break; sleep 0.05; done
wait_job "$id2" approve waiting
rn hjob-run logs "$id2" diff | sed -E 's/^(---|\+\+\+) ([^\t]*)\t.*/\1 \2/'
rn hjob-run approve "$id2" approve --comment reviewed
wait "$bg"
echo "[run exit $?]"
norm < switch.out
cat live.conf
