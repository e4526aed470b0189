# Starts net-snmp's snmptrapd for a CLI case on a free loopback UDP port, in the foreground with a
# configuration of the case's own (start_snmptrapd CONFIG; community "public"), isolated from
# /etc/snmp and /var/lib/snmp; sets SNMPTRAPD_PORT and stops it by pid when the case exits.
# `trap2c ARGS...` sends a v2c trap there with snmptrap, `trap1 ARGS...` a v1 trap.
# A missing snmptrapd or snmptrap fails the case, unless HOPS_ALLOW_SKIP=1 makes it a skip (exit 77).
if ! command -v snmptrapd >/dev/null && [[ ! -x /usr/sbin/snmptrapd ]] || ! command -v snmptrap >/dev/null; then
  echo "snmptrapd or snmptrap is not installed (Debian packages snmptrapd and snmp; scripts/setup installs them)"
  [[ "${HOPS_ALLOW_SKIP:-}" == 1 ]] && exit 77
  exit 1
fi
mkdir -p "$WORK/snmp/persist" "$WORK/snmp/conf" "$WORK/snmp/mibs"
# No MIBs (Debian ships none): OIDs are numeric, and nothing reads the host's snmp.conf.
export SNMP_PERSISTENT_DIR=$WORK/snmp/persist SNMPCONFPATH=$WORK/snmp/conf MIBDIRS=$WORK/snmp/mibs MIBS=
SNMPTRAPD_PORT=$(free_port)
SNMPTRAPD_PID=
on_exit stop_snmptrapd
start_snmptrapd() {
  PATH=$PATH:/usr/sbin snmptrapd -f -Lf "$WORK/snmp/log" -C -c "$1" "udp:127.0.0.1:$SNMPTRAPD_PORT" &
  SNMPTRAPD_PID=$!
  for _ in $(seq 200); do grep -q "NET-SNMP version" "$WORK/snmp/log" 2>/dev/null && return 0; sleep 0.05; done
  echo "snmptrapd did not start"; cat "$WORK/snmp/log"; exit 1
}
stop_snmptrapd() {
  [[ -n $SNMPTRAPD_PID ]] && kill "$SNMPTRAPD_PID" 2>/dev/null && wait "$SNMPTRAPD_PID" 2>/dev/null
  SNMPTRAPD_PID=
}
trap2c() { snmptrap -v 2c -c public "127.0.0.1:$SNMPTRAPD_PORT" '' "$@"; }
trap1() { snmptrap -v 1 -c public "127.0.0.1:$SNMPTRAPD_PORT" "$@"; }
