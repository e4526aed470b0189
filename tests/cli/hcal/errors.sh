# Bad definitions name file:line:column and exit 2; so do bad command lines.
cat > typo.yaml <<'YAML'
calendars:
  biz:
    timezone: Asia/Tokyo
    weekday: mon-fri
YAML
run hcal -f typo.yaml is-business-day biz 2026-05-07
cat > many.yaml <<'YAML'
version: 1
calendars:
  a:
    timezone: Asia/Tokio
    hours: "09:00-25:61"
  b:
    base: c
  c:
    base: b
  d:
    base: nosuch
    rules:
      - day: 25
        shfit: before
  e:
    weekdays: mon-fri
    closed: [2026-02-30]
  f:
    holidays: [jp, jp-govt]
  g:
    hours: ["09:00-12:00", "11:00-13:00"]
    timezone: UTC
  h:
    base: a
    rules:
      - {day: 25, weekday: "tue#2"}
      - {every: 14}
  i:
    base: a
    weekdays: mon-fri
  j:
    rules:
      - day: 1
YAML
run hcal validate many.yaml
run hcal -f many.yaml is-open a
printf 'calendars:\n  x: [unclosed\n' > syntax.yaml
run hcal validate syntax.yaml
printf '' > empty.yaml
run hcal validate empty.yaml
run hcal validate nosuch.yaml
run hcal validate "$EXAMPLES/calendars.yaml"
run hcal --bogus
run hcal
run hcal list
run hcal -f "$EXAMPLES/calendars.yaml" is-open biz --at yesterday
run hcal -f "$EXAMPLES/calendars.yaml" is-business-day bzi 2026-05-07
run hcal -f "$EXAMPLES/calendars.yaml" list biz --month 2026-5
run hcal -f "$EXAMPLES/calendars.yaml" shift biz 2026-05-03
run hcal -f "$EXAMPLES/calendars.yaml" next biz -n 0
run hcal --format yaml holidays
cp "$EXAMPLES/calendars.yaml" copy.yaml
run hcal -f "$EXAMPLES/calendars.yaml" -f copy.yaml is-business-day biz 2026-05-07
run hcal -f "$EXAMPLES/calendars.yaml" -f copy.yaml is-business-day copy.yaml:biz 2026-05-07
run hcal is-opne biz
run hcal --fromat json holidays
run hcal -f "$EXAMPLES/calendars.yaml" is-open biz extra
run hcal -f "$EXAMPLES/calendars.yaml" next biz -n x
run hcal holidays --set jp-bnak
code hcal --help
code hcal --version
code hmon-check --help
