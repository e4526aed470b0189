# hcal judges in the calendar's time zone; cron starts jobs by the host's clock (TZ here).
cat > zones.yaml <<'YAML'
calendars:
  tokyo:
    timezone: Asia/Tokyo
    hours: "09:00-18:00"
  kiritimati:         # UTC+14, open every day
    timezone: Pacific/Kiritimati
    weekdays: sun-sat
  niue:               # UTC-11, open every day
    timezone: Pacific/Niue
    weekdays: sun-sat
  night:
    timezone: Asia/Tokyo
    day_start: "05:00"
YAML
H="hcal -f zones.yaml"
# -v says which instant and business date were judged, in the calendar's zone.
run $H -v is-open tokyo --at 2026-05-08T08:00Z
run $H -v gate tokyo --at 2026-05-08T08:00Z -- echo ran
run $H -v is-open night --at 2026-05-09T02:00
# Judging now: the instant varies, so it is masked. 25 hours apart, the dates always differ.
mask() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:]{8}[-+][0-9:]{5})?/<when>/g; s/\((sun|mon|tue|wed|thu|fri|sat)\)/(<wday>)/'; }
run env TZ=Pacific/Niue $H is-open kiritimati | mask
run env TZ=Pacific/Niue $H gate kiritimati -- true | mask
run env TZ=Pacific/Niue $H is-business-day kiritimati tomorrow | mask
run env TZ=Pacific/Niue $H -v is-open kiritimati | mask
# Silenced by -q, by an explicit --at, by an explicit date, and absent when the zones agree.
run env TZ=Pacific/Niue $H -q is-open kiritimati
run env TZ=Pacific/Niue $H is-open kiritimati --at now
run env TZ=Pacific/Niue $H is-business-day kiritimati 2026-05-08
run env TZ=Pacific/Kiritimati $H is-open kiritimati
run env TZ=Pacific/Niue $H is-open niue
# Only the zone asked about is read: a broken zone file of another calendar does not matter.
mkdir -p tz/Asia tz/Europe
cp /usr/share/zoneinfo/Asia/Tokyo tz/Asia/Tokyo
printf 'not a TZif file\n' > tz/Europe/Berlin
cat > two.yaml <<'YAML'
calendars:
  tokyo: {timezone: Asia/Tokyo}
  berlin: {timezone: Europe/Berlin}
YAML
run env TZDIR=$PWD/tz hcal -f two.yaml -v is-open tokyo --at 2026-05-08T08:00Z
run env TZDIR=$PWD/tz hcal -f two.yaml is-open berlin --at 2026-05-08T08:00Z
run env TZDIR=$PWD/tz hcal validate two.yaml
