# list, next, prev and shift print one date per line: ISO date, TAB, weekday[, TAB, note].
H="hcal -f $EXAMPLES/calendars.yaml"
run $H list biz --month 2026-05
run $H list biz --from 2026-12-25 --to 2027-01-06 --closed
run $H list biz --from 2026-04-28 --to 2026-05-07 --all
run $H next biz --from 2026-04-28 -n 3
run $H prev biz --from 2027-01-04 -n 2
run $H shift biz 2026-05-03 --after
run $H shift biz 2026-05-03 --before
run $H shift biz 2026-05-07 --before
run $H shift biz 2026-05-07
run $H list month-end-batch --year 2026
run $H list gotobi-settlement --month 2026-05
run $H list payday --from 2026-01-01 --to 2026-04-30
run $H list payroll-calc --from 2026-01-01 --to 2026-04-30
run $H list closing-start --from 2026-01-01 --to 2026-03-31
run $H list quarterly-report --year 2026
run $H list backup-rotation --from 2026-04-20 --to 2026-05-20
run $H list biz --year 2026 --month 2026-05
run $H list biz
run $H list biz --from 2026-05-07 --to 2026-05-01
printf 'business days in 2026: '; $H list biz --year 2026 | wc -l
printf 'business days 1955-2099: '; $H list biz --from 1955-01-01 --to 2099-12-31 | wc -l
