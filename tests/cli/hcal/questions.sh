# is-open and is-business-day answer by exit code: 0 yes, 1 no, 2 error.
H="hcal -f $EXAMPLES/calendars.yaml"
code $H is-business-day biz 2026-05-07
code $H is-business-day biz 2026-05-06
code $H is-business-day biz 2026-09-22
code $H is-business-day biz 2026-11-28
code $H is-business-day biz 2026-12-29
code $H is-business-day biz 2027-01-04
code $H is-business-day biz 2026-13-01
code $H is-business-day nosuch 2026-05-07
code $H is-business-day biz 1948-07-19
code $H is-business-day biz 2151-01-01
code $H is-open biz --at 2026-11-20T09:00+09:00
code $H is-open biz --at 2026-11-20T08:59:59+09:00
code $H is-open biz --at 2026-11-20T17:59:59+09:00
code $H is-open biz --at 2026-11-20T18:00+09:00
code $H is-open biz --at 2026-11-20T01:00Z
code $H is-open biz --at 2026-11-20T10:00
code $H is-open biz --at 2026-12-28T11:59+09:00
code $H is-open biz --at 2026-12-28T12:00+09:00
code $H is-open night-ops --at 2026-11-21T02:00+09:00
code $H is-open night-ops --at 2026-11-21T05:00+09:00
code $H is-open night-ops --at 2026-11-22T02:00+09:00
code $H is-open dc-frankfurt --at 2026-11-22T12:00+01:00
code $H is-open dc-frankfurt --at 2026-12-06T12:00+01:00
code $H is-open biz --at tomorrow
code $H is-open biz --at 2026-11-20T25:00
run $H -v is-open biz --at 2026-11-20T10:00+09:00
run $H -v is-open biz --at 2026-11-20T18:30+09:00
run $H -v is-open night-ops --at 2026-11-21T02:00+09:00
run $H -v is-business-day biz 2026-05-06
run $H is-business-day biz 1948-07-19
