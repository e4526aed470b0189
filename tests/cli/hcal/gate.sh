# gate execs the command when open; when closed it exits 0 (or --closed-exit) without running it.
H="hcal -f $EXAMPLES/calendars.yaml"
run $H gate biz --at 2026-11-20T10:00+09:00 -- echo "batch ran"
run $H gate biz --at 2026-11-21T10:00+09:00 -- echo "batch ran"
run $H gate biz --closed-exit 3 --at 2026-11-21T10:00+09:00 -- echo "batch ran"
run $H -v gate biz --at 2026-11-21T10:00+09:00 -- echo "batch ran"
run $H gate biz --at 2026-11-20T10:00+09:00 -- sh -c 'echo "args: $#"; exit 7' sh 'a b' '$(id)'
run $H gate biz --at 2026-11-20T10:00+09:00 -- /nonexistent/batch
run $H gate biz --at 2026-11-20T10:00+09:00 -- "$EXAMPLES"
run $H gate biz --at 2026-11-20T10:00+09:00
run $H gate nosuch -- true
