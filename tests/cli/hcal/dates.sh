# A well-formed date that does not exist says why, on the command line and in calendar files.
H="hcal -f $EXAMPLES/calendars.yaml"
run $H is-business-day biz 2026-02-30
run $H is-business-day biz 2028-02-30
run $H explain biz 2026-04-31
run $H list biz --from 2026-02-01 --to 2026-02-29
run $H list biz --month 2026-13
run $H show biz --month 2026-00
run $H is-open biz --at 2026-02-29T10:00
run $H next biz --from 2026-06-31
run hcal holidays --from 2026-01-01 --to 2026-09-31
run $H is-business-day biz 2026-2-3
cat > feb.yaml <<'YAML'
calendars:
  biz:
    timezone: Asia/Tokyo
    closed:
      - 2026-02-29
      - {date: 2026-02-27..2026-02-30, name: stocktaking}
      - 02-30
    special_hours:
      2026-11-31: "09:00-12:00"
    valid: {from: 2026-13-01}
YAML
run hcal validate feb.yaml
