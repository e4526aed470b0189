# hours: open time in a period and its fraction; the EC2 cost model.
cat > cal.yaml <<'YAML'
calendars:
  weekdays:
    timezone: Asia/Tokyo
    weekdays: mon-fri
  weekdays-8-24:
    timezone: Asia/Tokyo
    weekdays: mon-fri
    hours: "08:00-24:00"
  ny-allday:
    timezone: America/New_York
    weekdays: mon-sun
  ny-night:
    timezone: America/New_York
    weekdays: mon-sun
    hours: "22:00-06:00"
YAML
run hcal -f cal.yaml hours weekdays --from 2026-11-02 --to 2026-11-29
run hcal -f cal.yaml hours weekdays-8-24 --from 2026-11-02 --to 2026-11-29
run hcal -f cal.yaml hours ny-allday --from 2026-03-08 --to 2026-03-08
run hcal -f cal.yaml hours ny-allday --from 2026-11-01 --to 2026-11-01
run hcal -f cal.yaml hours ny-night --from 2026-03-08 --to 2026-03-08
run hcal -f cal.yaml hours ny-night --from 2026-03-07 --to 2026-03-08
run hcal -f $EXAMPLES/calendars.yaml hours biz --month 2026-11
run hcal -f $EXAMPLES/calendars.yaml hours biz --year 2026
run hcal -f cal.yaml -v is-open ny-night --at 2026-03-08T01:30-05:00
run hcal -f cal.yaml -v is-open ny-night --at 2026-03-08T03:30-04:00
run hcal -f cal.yaml is-open ny-night --at 2026-03-08T02:30
