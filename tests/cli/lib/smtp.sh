# Starts the recording SMTP server of tests/unit/testing/smtp_receiver.py (aiosmtpd) for a case:
# sets SMTP_PORT and SMTP_LOG (one JSON line per accepted mail: from, to, subject, body, headers,
# raw); stopped by pid when the case exits. `mail_count` prints how many mails arrived.
# A missing aiosmtpd fails the case, unless HOPS_ALLOW_SKIP=1 makes it a skip (exit 77).
start_smtp() {
  # The Python that has aiosmtpd: the interpreter of the aiosmtpd script, which need not be the
  # first python3 on PATH.
  local exe
  exe=$(PATH=$PATH:/usr/bin command -v aiosmtpd || true)
  SMTP_PYTHON=
  [[ -n $exe ]] && SMTP_PYTHON=$(head -1 "$exe" | sed -n 's/^#! *//p' | cut -d' ' -f1)
  if [[ -z $SMTP_PYTHON ]] || ! "$SMTP_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
    echo "aiosmtpd is not installed (Debian package python3-aiosmtpd; scripts/setup installs it)"
    [[ "${HOPS_ALLOW_SKIP:-}" == 1 ]] && exit 77
    exit 1
  fi
  mkdir -p "$WORK/smtp"
  SMTP_LOG=$WORK/smtp/mails.jsonl
  : > "$SMTP_LOG"
  local tries
  for tries in 1 2 3; do
    SMTP_PORT=$(free_port)
    "$SMTP_PYTHON" "$HOPS_SOURCE_DIR/tests/unit/testing/smtp_receiver.py" "$SMTP_PORT" "$SMTP_LOG" \
      >> "$WORK/smtp/log" 2>&1 &
    SMTP_PID=$!
    for _ in $(seq 200); do
      kill -0 "$SMTP_PID" 2>/dev/null || break
      (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && { on_exit smtp_stop; return 0; }
      sleep 0.05
    done
    kill "$SMTP_PID" 2>/dev/null; wait "$SMTP_PID" 2>/dev/null  # its port was taken: another
  done
  echo "the SMTP server did not start"; cat "$WORK/smtp/log"; exit 1
}
smtp_stop() {
  [[ -n ${SMTP_PID:-} ]] && kill "$SMTP_PID" 2>/dev/null && wait "$SMTP_PID" 2>/dev/null
  SMTP_PID=
}
mail_count() { [[ -s $SMTP_LOG ]] && wc -l < "$SMTP_LOG" || echo 0; }
