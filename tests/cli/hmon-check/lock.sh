# One hmon-check run per definition file at a time: an overlapping run waits up to --lock-wait,
# then gives up naming the holder's pid; the lock dies with its holder, even with SIGKILL, and the
# check commands it started do not keep it.
cat > mon.yaml <<'YAML'
version: 1
monitors:
  slow:
    type: command
    # The first run blocks here while ./hold exists; later runs pass at once.
    command: [sh, -c, "if [ ! -e started ] && [ -e hold ]; then : > started; while [ -e hold ]; do sleep 0.05; done; fi; echo fine"]
    timeout: 60s
YAML
touch hold
# The holder runs under a small sh that waits for it, so that this shell has nothing to say when
# it is killed.
sh -c 'hmon-check run -f mon.yaml & echo $! > holder.pid; wait' >/dev/null 2>&1 &
waiter=$!
for _ in $(seq 200); do [ -e started ] && break; sleep 0.05; done
holder=$(cat holder.pid)
run hmon-check run -f mon.yaml --lock-wait 300ms | sed "s/(pid $holder on $(uname -n))/(pid HOLDER on HOST)/"
kill -KILL "$holder"
wait "$waiter"
# The holder's check command still runs; the lock went with the holder.
run hmon-check run -f mon.yaml --lock-wait 0
rm hold
printf 'lock file mode: '; stat -c %a "$HOPS_STATE_DIR"/locks/*.lock
printf 'lock directory mode: '; stat -c %a "$HOPS_STATE_DIR/locks"
