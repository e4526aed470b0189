// Inputs of `hnotify send --from`: SNMP traps as net-snmp's snmptrapd hands them to a
// `traphandle` program, and syslog messages as rsyslog's omprog writes them (one per line). Each
// becomes a hops event (kinds snmp.trap and syslog.message, hops-event(5)) routed like any other.
#ifndef HOPS_CMD_HNOTIFY_INPUTS_HPP_
#define HOPS_CMD_HNOTIFY_INPUTS_HPP_

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.hpp"

namespace hops::notify {

class Notifier;

/// The words `--from` takes: "events" (the hops event stream, the default), "snmptrapd", "syslog".
extern const std::vector<std::string> kInputFormats;

/// Turns one notification in snmptrapd's traphandle format (line 1 the sender's host name, line 2
/// the transport address "UDP: [192.0.2.7]:41234->[192.0.2.1]:162", then one "OID VALUE" varbind
/// per line, sysUpTime.0 and snmpTrapOID.0 first) into an snmp.trap event: key
/// "snmp/SOURCE-ADDRESS/TRAP-OID", status and severity by TrapStatus (or @p status when not
/// empty), the varbinds in data. Throws Error when there is no trap OID.
Event TrapEvent(std::string_view text, const std::string& status = "");

/// The default status of a trap: critical for linkDown, info for linkUp, warning for the others.
std::string TrapStatus(std::string_view trap_oid);

/// An OID as written by net-snmp in any output style, in the form keys use: "iso.3.6.1.2" and
/// ".1.3.6.1.2" become "1.3.6.1.2"; names ("IF-MIB::linkDown") stay as they are.
std::string NormalizeOid(std::string_view oid);

/// Turns one syslog line (RFC 5424 as rsyslog's RSYSLOG_SyslogProtocol23Format writes it, or
/// RFC 3164 "<PRI>Mmm dd hh:mm:ss HOST TAG: MSG") into a syslog.message event: status the syslog
/// severity word (emerg ... debug), severity critical for emerg to err, warning for warning,
/// info below; key "syslog/HOST/APP/HASH" (HASH of the message text, so the same message is
/// deduplicated and others are not). @p status, when not empty, replaces the status and severity.
/// Throws Error for an empty line.
Event SyslogEvent(std::string_view line, const std::string& status = "");

/// What ReadInput did.
struct InputResult {
  std::set<int64_t> ids;  ///< spool items made
  long lines = 0;         ///< inputs read (traps, or non-empty syslog lines)
  long rejected = 0;      ///< inputs that could not be turned into an event (reported)
};

/// Reads @p in in the format @p from ("snmptrapd": one trap, the whole input; "syslog": a line
/// at a time until end of input) and hands each event to @p n. For syslog, every line is spooled
/// as soon as it is read and what is due is delivered before waiting for the next line; when
/// @p fd (the descriptor behind @p in, or -1) has nothing to read, retries fall due meanwhile.
InputResult ReadInput(const std::string& from, const std::string& status, std::istream& in, int fd, Notifier& n);

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_INPUTS_HPP_
