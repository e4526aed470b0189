# Scenario 2, the night close (examples/scenarios/2-night-close): night 1 runs the whole flow;
# night 2 fails at the backup and is resumed once the volume is back. Checked on what the peers
# kept: the load balancer's drain log, the files on the sshd hosts, the EC2 mock's history of
# state changes, the webhook receiver's requests and the SMTP server's mails.
scenario 2-night-close
W=$SCENARIO_WORK
APP1=i-0a5e00000000a0001 APP2=i-0a5e00000000a0002 DB=i-0a5e00000000d0001

# The runs, as the load balancer saw them: one drain per night, none again by the resume.
mapfile -t RUNS < <(sed -n 's/^drained app by run \([0-9a-f-]*\)$/\1/p' "$W/lb/app.drain")
expect_eq "the pool was drained once per night" "$(wc -l < "$W/lb/app.drain") ${#RUNS[@]}" "2 2"
expect "the two nights are two runs" test "${RUNS[0]}" != "${RUNS[1]:-}"
R1=${RUNS[0]} R2=${RUNS[1]:-none}

# The hosts: the application stopped on both, once per night.
for h in host1 host2; do
  expect "the application is stopped on $h" test ! -e "$W/hosts/$h/app/app.pid"
  expect_eq "$h: stopped once by each night's run" "$(cat "$W/hosts/$h/app/stops.log")" \
    "stopped by run $R1
stopped by run $R2"
done

# The backups: one archive per night on host1 (the first node that answers), none on host2;
# each a valid archive of the application's data.
expect_eq "host1's backup volume holds one archive per night" \
  "$(cd "$W/hosts/host1/backup" && ls -A | sort)" \
  "$(printf '.volume\napp-%s.tar.gz\napp-%s.tar.gz' "$R1" "$R2" | sort)"
expect_eq "host2 made no backup" "$(ls -A "$W/hosts/host2/backup")" ".volume"
for r in "$R1" "$R2"; do
  expect_eq "the archive of run $r holds the data" \
    "$(tar -xzOf "$W/hosts/host1/backup/app-$r.tar.gz" ./orders.csv 2>&1)" "$(cat "$W/hosts/host1/app/data/orders.csv")"
done

# EC2: each app instance stopped on night 1, started in the morning, stopped on night 2 after the
# resume (the mock's clock was 14:30 for the failed run, 14:40 for the resume); db-1 untouched.
for id in "$APP1" "$APP2"; do
  expect_eq "$id went running -> stopped each night, started in between" \
    "$(jsonl "$W/ec2-history.jsonl" "r['time'][:16] + ' ' + r['from'] + '>' + r['to'] if r['id'] == '$id' else None")" \
    "2026-12-07T14:30 running>stopping
2026-12-07T14:30 stopping>stopped
2026-12-07T23:00 stopped>pending
2026-12-07T23:00 pending>running
2026-12-08T14:40 running>stopping
2026-12-08T14:40 stopping>stopped"
done
expect_eq "only the tier's instances changed" \
  "$(jsonl "$W/ec2-history.jsonl" "r['id']" | sort -u)" "$(printf '%s\n' "$APP1" "$APP2")"

# The webhook: night 1 done, night 2 failed (naming the backup and its reason), night 2 done,
# night 2 recovered; each once, each accepted.
hook=$W/receiver/requests.jsonl
body='json.loads(r["body"])'
expect_eq "the webhook got four notices, in order" \
  "$(jsonl "$hook" "$body['event']['kind'] + ' ' + $body['event']['status'] + ' ' + $body['title'] + ' ' + str(r['status'])")" \
  "notify.message ok night close done 200
job.run failed [FAILED] hjob-run/night-close 200
notify.message ok night close done 200
job.run success [RECOVERED] hjob-run/night-close 200"
expect_eq "the done notices name their run and its archive" \
  "$(jsonl "$hook" "$body['body'] if $body['event']['kind'] == 'notify.message' else None")" \
  "run $R1: tier night/app stopped, backup $W/hosts/host1/backup/app-$R1.tar.gz
run $R2: tier night/app stopped, backup $W/hosts/host1/backup/app-$R2.tar.gz"
expect_eq "the failure notice names the failed job, for night 2's run" \
  "$(jsonl "$hook" "($body['event']['data']['run_id'], $body['event']['data'].get('failed_jobs')) if $body['event']['status'] == 'failed' else None")" \
  "('$R2', ['backup'])"
expect "the failure notice says why" grep -q "failed at backup (on host1: exit 3: backup volume .* is not mounted)" \
  <(jsonl "$hook" "$body['body'] if $body['event']['status'] == 'failed' else None")
expect_eq "the recovery is of night 2's run" \
  "$(jsonl "$hook" "$body['event']['data']['run_id'] if $body['event']['status'] == 'success' else None")" "$R2"
expect_eq "no notice was sent twice" "$(jsonl "$hook" "r['headers']['idempotency-key']" | sort -u | wc -l)" "4"

# The mails: the same four, to the operators.
mails=$W/smtp/mails.jsonl
expect_eq "the operators got four mails, in order" "$(jsonl "$mails" "r['subject'] + ' -> ' + ','.join(r['to'])")" \
  "night close done -> ops@example.com
[FAILED] hjob-run/night-close -> ops@example.com
night close done -> ops@example.com
[RECOVERED] hjob-run/night-close -> ops@example.com"
expect "the failure mail names the failed job" grep -q "failed at backup (on host1: exit 3" \
  <(jsonl "$mails" "r['body'] if r['subject'].startswith('[FAILED]') else None")
