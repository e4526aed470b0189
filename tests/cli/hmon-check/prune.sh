# hmon-check prune: monitor instances no run has checked for the grace period go with all their
# history, after a dry run that changes nothing; monitors still checked keep theirs.
cat > mon.yaml <<'YAML'
version: 1
monitors:
  kept:
    type: command
    command: [sh, -c, "echo 'OK | t=1s size=5B'"]
  dropped:
    type: command
    command: [sh, -c, "echo 'CRITICAL - down | t=2s'; exit 2"]
YAML
run hmon-check run -f mon.yaml
# 'dropped' leaves the definitions: its last check becomes 2023-11-14T22:13:20Z.
python3 - "$HOPS_STATE_DIR/state.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE monitor_status SET last_check_ms = 1700000000000 WHERE key = 'dropped'")
db.commit()
PY
run hmon-check prune --dry-run
run hmon-check history dropped --format csv | cut -d, -f1,3,4,5
# A grace of a hundred years keeps it.
run hmon-check prune --older-than 36500d --dry-run
run hmon-check prune
run hmon-check history dropped
run hmon-check history kept --format csv | cut -d, -f1,3,4,5
# Nothing is left to remove.
run hmon-check prune
# Bad values are usage and configuration errors: exit 3.
run hmon-check prune --older-than 0s
run hmon-check prune --older-than soon
printf '[monitor]\nraw_retention = "30d"\n' > bad.toml
HOPS_CONFIG=$PWD/bad.toml run hmon-check prune
