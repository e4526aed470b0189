# Rules ported from JP1/AJS3 and Hinemos run on the days they ran there, and explain says why a
# selected date did not run. Dates are those of examples/jp1-rules.yaml, worked out by hand.
E="hcal -f $EXAMPLES/jp1-rules.yaml"
run hcal validate --year 2026 $EXAMPLES/jp1-rules.yaml
# 絶対日 (day) and 相対日 (relative_day) with 基準日 21: the 25th, and the 25th day from the 21st.
run $E list sales-close --month 2026-04
run $E list sales-review --from 2026-02-01 --to 2026-03-31
# 基準月 翌月: "April" runs from 21 March.
run $E explain fiscal-april 2026-03-23
# 起算: one business day after the second Tuesday, counted from the holiday 2026-08-11.
run $E explain after-meeting 2026-08-12
run $E explain after-meeting 2026-08-11
# A shift kept inside the month, and a date that found no business day within max_shift.
run $E explain month-28 2026-02-27
run $E explain month-28 2025-12-28
# The working Saturday has its own hours (8 business hours more in August).
run $E -v is-open office --at 2026-08-01T10:00
run $E hours office --month 2026-08
# A rule calendar inherits its base's hours: closed at 20:00 on a run date, and said so.
run $E -v is-open after-meeting --at 2026-08-12T20:00
run $E gate after-meeting --at 2026-08-12T20:00 -- echo ran
run $E -q gate after-meeting --at 2026-08-12T20:00 -- echo ran
run $E gate after-meeting --at 2026-08-12T10:00 -- echo ran
run $E is-business-day after-meeting 2026-08-12

cat > cal.yaml <<'YAML'
calendars:
  biz:
    timezone: Asia/Tokyo
    holidays: [jp]
    closed: [{date: 12-29..01-03, name: 年末年始}]
  feb-close: {base: biz, rules: [{day: 28, shift: after}]}
  skip25: {base: biz, rules: [{day: 25}]}
  own: {base: biz, closed: [{date: 2026-03-31, name: 決算棚卸}], rules: [{business_day: last}]}
  night: {timezone: Asia/Tokyo, holidays: [jp], hours: "22:00-29:00"}
  jp-nozone: {holidays: [jp], hours: "09:00-18:00"}
  jp-child: {base: jp-nozone}
  plain-nozone: {hours: "09:00-18:00"}
YAML
H="hcal -f cal.yaml"
# A shift that leaves the month: 2025-12-28 (sun) runs on 2026-01-05 and 2026-02-28 (sat) on
# 03-02, so January and March run twice and February not at all.
run $H list feb-close --from 2026-01-01 --to 2026-03-31
run $H -q list feb-close --month 2026-02
# validate says which zone a calendar without one uses, and warns about the months.
run $H validate --year 2026
run $H -q validate --year 2026
# Why a selected date did not run; a closure that cancels a run; a closure on a holiday.
run $H explain skip25 2026-04-25
run $H explain own 2026-03-31
run $H explain biz 2027-01-01
# Hours past midnight without day_start: Saturday 02:00 belongs to Friday.
run $H explain night --at 2026-05-09T02:00
$H --format json explain night --at 2026-05-09T02:00 |
  python3 -c 'import json, sys; print("business_date", json.loads(sys.stdin.readline())["data"]["business_date"])'
# Japanese holidays without a timezone: Asia/Tokyo, on this UTC host too.
run $H -v is-open jp-nozone --at 2026-05-08T09:30+09:00
run $H is-open plain-nozone --at 2026-05-08T09:30+09:00
printf 'timezone = "Europe/Berlin"\n' > berlin.toml
run env HOPS_CONFIG=$PWD/berlin.toml $H validate --month 2026-05

# A business day without hours is an error of validate, and is-open says why it is closed.
cat > nohours.yaml <<'YAML'
calendars:
  plain: {timezone: Asia/Tokyo}
  sundays:
    base: plain
    hours: {mon-fri: "09:00-18:00"}
    rules: [{weekday: sun, shift: keep}]
YAML
run hcal validate --month 2026-05 nohours.yaml
run hcal -f nohours.yaml -v is-open sundays --at 2026-05-10T10:00
# The loader refuses an open day the hours mapping gives no hours.
cat > saturday.yaml <<'YAML'
calendars:
  office:
    timezone: Asia/Tokyo
    hours: {mon-fri: "09:00-18:00"}
    open: [2026-08-01]
YAML
run hcal validate saturday.yaml
