# Headless Chromium for CLI cases that check HTML pages in a real browser (source it).
# Each case gets its own profile under $WORK; every network request goes to a proxy on a closed
# loopback port, so a page that tries to fetch anything (script, font, image, style) cannot, and
# chromium_fetches lists what it tried. A missing chromium skips the case (exit 77) with a
# message saying how to install it.
need_chromium() {
  CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
  if [[ -z $CHROMIUM ]]; then
    echo "chromium is not installed (Debian package chromium; scripts/setup installs it): the HTML checks are skipped"
    exit 77
  fi
  CHROMIUM_DIR=$WORK/chromium
  mkdir -p "$CHROMIUM_DIR"
  CHROMIUM_PROXY_PORT=$(closed_port)
}

# chromium_run ARGS... URL: runs headless Chromium with the case's profile and the dead proxy,
# logging network activity to $CHROMIUM_DIR/net-N.json; its own chatter goes to chromium.log.
chromium_run() {
  local n
  n=$(find "$CHROMIUM_DIR" -maxdepth 1 -name 'net-*.json' | wc -l)
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
    --disable-background-networking --disable-component-update --disable-sync --mute-audio \
    --user-data-dir="$CHROMIUM_DIR/profile" --proxy-server="http://127.0.0.1:$CHROMIUM_PROXY_PORT" \
    --proxy-bypass-list='<-loopback>' --log-net-log="$CHROMIUM_DIR/net-$n.json" \
    "$@" 2>>"$CHROMIUM_DIR/chromium.log"
}

# chromium_dom FILE: the DOM of FILE after Chromium loaded and laid it out, on stdout.
chromium_dom() { chromium_run --dump-dom "file://$(realpath "$1")"; }

# chromium_pdf FILE OUT: prints FILE to the PDF OUT (A4 as the page's @page asks); prints
# "pdf: N pages" or why it failed.
chromium_pdf() {
  chromium_run --no-pdf-header-footer --print-to-pdf="$2" "file://$(realpath "$1")" >/dev/null
  if [[ ! -s $2 ]]; then
    echo "pdf: not written (see $CHROMIUM_DIR/chromium.log)"
    return 1
  fi
  echo "pdf: $(grep -ac '/Type */Page\b' "$2") pages"
}

# chromium_fetches: every URL the pages asked for that is not a file:, data: or about: URL, one a
# line (nothing when the pages are self-contained). The browser's own update and account checks
# (Google hosts; they reach only the dead proxy) are left out.
chromium_fetches() {
  cat "$CHROMIUM_DIR"/net-*.json 2>/dev/null | grep -o '"url":"[^"]*"' | sed 's/^"url":"//; s/"$//' |
    grep -Ev '^(file|data|about|chrome|blob):' |
    grep -Ev '^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)(/|:|$)' | sort -u
}
