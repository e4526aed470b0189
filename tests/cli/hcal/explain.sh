# explain names the rule, closure or holiday that decided, and where it is defined.
H="hcal -f $EXAMPLES/calendars.yaml"
run $H explain biz 2026-05-06
run $H explain biz 2026-05-07
run $H explain biz 2026-10-01
run $H explain biz 2026-11-28
run $H explain biz 2026-11-29
run $H explain biz 2028-03-20
run $H explain payday 2026-01-25
run $H explain payday 2026-01-23
run $H explain month-end-batch 2026-12-31
run $H explain biz --at 2026-11-20T18:30+09:00
run $H explain night-ops --at 2026-11-21T02:00+09:00
run $H explain biz 2026-05-06 --at 2026-05-06T10:00
