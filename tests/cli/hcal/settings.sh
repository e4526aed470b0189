# The settings file (HOPS_CONFIG) supplies the calendar path, default timezone and holiday overrides.
mkdir -p conf/cal.d
cat > conf/cal.d/office.yaml <<'YAML'
calendars:
  office:
    holidays: [jp]
    hours: "09:00-17:00"
YAML
cat > conf/overrides.yaml <<'YAML'
add:
  - {date: 2030-05-07, name: 臨時の祝日, name_en: Extra Holiday}
YAML
cat > conf/config.toml <<'TOML'
timezone = "Asia/Tokyo"
[calendar]
path = ["cal.d"]
jp_holidays_file = "overrides.yaml"
TOML
export HOPS_CONFIG=$PWD/conf/config.toml
run hcal calendars
run hcal -v is-open office --at 2026-11-20T10:00
run hcal -v is-open office --at 2026-11-20T10:00Z
run hcal explain office 2030-05-07
run hcal holidays --from 2030-05-01 --to 2030-05-08
printf 'timezon = "Asia/Tokyo"\n' > conf/bad.toml
HOPS_CONFIG=$PWD/conf/bad.toml run hcal calendars
HOPS_CONFIG=$PWD/conf/missing.toml run hcal calendars
printf '[calendar]\npath = ["nowhere"]\n' > conf/empty.toml
HOPS_CONFIG=$PWD/conf/empty.toml run hcal is-open office
# A bad value is reported at its place in the settings file, with what was expected.
printf '# site settings\ntimezone = "Asia/Tokio"\n' > conf/tz.toml
HOPS_CONFIG=$PWD/conf/tz.toml run hcal calendars
printf '[calendar]\npath = 7\n' > conf/type.toml
HOPS_CONFIG=$PWD/conf/type.toml run hcal calendars
