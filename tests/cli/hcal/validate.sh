# validate reports every error of every calendar (not only the first of each), in file order.
cat > broken.yaml <<'YAML'
calendars:
  office:
    timezone: Asia/Tokio
    weekday: mon-fri
    holiday: [jp]
    closed: [2026-02-30, 2026-04-31, 12-32]
    hours: ["09:00-12:00", "13:00-25:61"]
  payroll:
    base: office
    month_start: 0
    rules:
      - {day: 25, shfit: before, months: [1, 13]}
      - {weekday: "fri#6"}
    valid: {from: 2027-02-29, to: 2026-01-01}
YAML
run hcal validate broken.yaml
# A question names the first error and counts the others.
run hcal -f broken.yaml is-business-day office 2026-05-07
# Directories: every *.yaml and *.yml file; none at all is said, naming the directory.
mkdir -p empty.d notes.d
printf 'not a calendar\n' > notes.d/README
run hcal -f empty.d is-open office
run hcal -f notes.d -f empty.d is-open office
run hcal validate notes.d
printf 'calendars: {}\n' > none.yaml
run hcal validate none.yaml
