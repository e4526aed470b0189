#include "cmd/hnotify/inputs.hpp"

#include <doctest/doctest.h>

#include "common/error.hpp"

namespace hops::notify {
namespace {

// What snmptrapd 5.9.3 (Debian, no MIBs) hands a traphandle for
// `snmptrap -v 2c -c public HOST '' 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.2 i 2 1.3.6.1.2.1.2.2.1.2.2 s "eth0 日本"`
// (a non-ASCII string comes as a Hex-STRING, wrapped every 16 bytes).
const char* const kLinkDown =
    "localhost\n"
    "UDP: [127.0.0.1]:58613->[127.0.0.1]:51659\n"
    "iso.3.6.1.2.1.1.3.0 0:4:05:54.84\n"
    "iso.3.6.1.6.3.1.1.4.1.0 iso.3.6.1.6.3.1.1.5.3\n"
    "iso.3.6.1.2.1.2.2.1.1.2 2\n"
    "iso.3.6.1.2.1.2.2.1.2.2 \"65 74 68 30 20 6C 69 6E 6B 20 64 6F 77 6E 20 E6 \n"
    "97 A5 E6 9C AC \"\n";

// An SNMPv1 trap, converted by snmptrapd (RFC 2576): the enterprise, agent address and community last.
const char* const kV1 =
    "<UNKNOWN>\n"
    "UDP: [192.0.2.7]:46701->[127.0.0.1]:162\n"
    "iso.3.6.1.2.1.1.3.0 0:4:05:54.85\n"
    "iso.3.6.1.6.3.1.1.4.1.0 iso.3.6.1.4.1.8072.2.3.0.17\n"
    "iso.3.6.1.4.1.8072.2.3.2.1 123\n"
    "iso.3.6.1.6.3.18.1.3.0 10.1.2.3\n"
    "iso.3.6.1.6.3.18.1.4.0 \"s3cret-community\"\n"
    "iso.3.6.1.6.3.1.1.4.3.0 iso.3.6.1.4.1.8072.2.3\n";

TEST_CASE("a v2c trap: key from the source address and the trap OID, varbinds in data") {
  const Event e = TrapEvent(kLinkDown);
  CHECK(e.kind == "snmp.trap");
  CHECK(e.tool == "hnotify");
  CHECK(e.key == "snmp/127.0.0.1/1.3.6.1.6.3.1.1.5.3");
  CHECK(e.status == "critical");  // linkDown
  CHECK(e.severity == "critical");
  CHECK(e.node == "localhost");
  CHECK(e.summary == "SNMP trap 1.3.6.1.6.3.1.1.5.3 from localhost [127.0.0.1]: 2, eth0 link down 日本");
  CHECK(e.data["uptime"] == "0:4:05:54.84");
  CHECK(e.data["trap_oid"] == "1.3.6.1.6.3.1.1.5.3");
  CHECK(e.data["transport"] == "UDP: [127.0.0.1]:58613->[127.0.0.1]:51659");
  REQUIRE(e.data["varbinds"].size() == 2);
  CHECK(e.data["varbinds"][0] == nlohmann::ordered_json{{"oid", "1.3.6.1.2.1.2.2.1.1.2"}, {"value", "2"}});
  CHECK(e.data["varbinds"][1] == nlohmann::ordered_json{{"oid", "1.3.6.1.2.1.2.2.1.2.2"}, {"value", "eth0 link down 日本"}});
}

TEST_CASE("a v1 trap: no host name, the agent address kept, the community dropped") {
  const Event e = TrapEvent(kV1);
  CHECK(e.key == "snmp/192.0.2.7/1.3.6.1.4.1.8072.2.3.0.17");
  CHECK(e.status == "warning");
  CHECK_FALSE(e.node);
  CHECK(e.data["agent_address"] == "10.1.2.3");
  CHECK(e.data["enterprise"] == "1.3.6.1.4.1.8072.2.3");
  CHECK(e.data["varbinds"].size() == 1);
  CHECK(EventToJson(e).dump().find("s3cret") == std::string::npos);
}

TEST_CASE("traps with MIB names, typed values, a bracketed address and --status") {
  const std::string text =
      "sw1.example\n"
      "[UDP: [172.16.10.12]:23456->[10.150.0.8]]\n"
      "DISMAN-EVENT-MIB::sysUpTimeInstance 1:2:03:04.00\n"
      "SNMPv2-MIB::snmpTrapOID.0 IF-MIB::linkUp\n"
      "IF-MIB::ifDescr.3 STRING: \"Gi0/3 \\\"uplink\\\"\"\n"
      "IF-MIB::ifAlias.3 \"two\nlines\"\n";
  Event e = TrapEvent(text);
  CHECK(e.key == "snmp/172.16.10.12/IF-MIB::linkUp");
  CHECK(e.status == "info");  // linkUp
  CHECK(e.data["uptime"] == "1:2:03:04.00");
  REQUIRE(e.data["varbinds"].size() == 2);
  CHECK(e.data["varbinds"][0]["value"] == "Gi0/3 \"uplink\"");
  CHECK(e.data["varbinds"][1]["value"] == "two\nlines");
  CHECK(e.summary == "SNMP trap IF-MIB::linkUp from sw1.example [172.16.10.12]: Gi0/3 \"uplink\", two lines");
  e = TrapEvent(text, "critical");
  CHECK(e.status == "critical");
  CHECK(e.severity == "critical");
}

TEST_CASE("hex that is ASCII text or not UTF-8 stays as written") {
  const std::string head = "h\nUDP: [127.0.0.1]:1->[127.0.0.1]:162\n.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.4.1.9\n";
  CHECK(TrapEvent(head + ".1.3.6.1.4.1.9.1 \"41 42\"\n").data["varbinds"][0]["value"] == "41 42");
  CHECK(TrapEvent(head + ".1.3.6.1.4.1.9.1 \"FF FE\"\n").data["varbinds"][0]["value"] == "FF FE");
  CHECK(TrapEvent(head).key == "snmp/127.0.0.1/1.3.6.1.4.1.9");
}

TEST_CASE("input that is no trap is refused") {
  CHECK_THROWS_WITH_AS(TrapEvent(""), "not a trap from snmptrapd: expected a host name, an address and varbinds", Error);
  CHECK_THROWS_WITH_AS(TrapEvent("h\nUDP: [127.0.0.1]:1->[127.0.0.1]:162\niso.3.6.1.2.1.1.3.0 0:0:00:01.00\n"),
                       "not a trap from snmptrapd: no snmpTrapOID.0 varbind", Error);
}

TEST_CASE("OIDs in every net-snmp style, and the default statuses") {
  CHECK(NormalizeOid("iso.3.6.1.4.1") == "1.3.6.1.4.1");
  CHECK(NormalizeOid(".1.3.6.1.4.1") == "1.3.6.1.4.1");
  CHECK(NormalizeOid("1.3.6.1.4.1") == "1.3.6.1.4.1");
  CHECK(NormalizeOid("IF-MIB::linkDown") == "IF-MIB::linkDown");
  CHECK(TrapStatus(".1.3.6.1.6.3.1.1.5.3") == "critical");
  CHECK(TrapStatus("IF-MIB::linkDown") == "critical");
  CHECK(TrapStatus("linkUp") == "info");
  CHECK(TrapStatus("SNMPv2-MIB::coldStart") == "warning");
  CHECK(TrapStatus("XlinkDown") == "warning");
}

TEST_CASE("an RFC 5424 line (rsyslog's RSYSLOG_SyslogProtocol23Format)") {
  const Event e = SyslogEvent("<11>1 2026-05-07T12:12:45.512+09:00 web1 nginx 1234 ID47 [ex@1 a=\"b] c\"] upstream timed out\n");
  CHECK(e.kind == "syslog.message");
  CHECK(e.status == "err");
  CHECK(e.severity == "critical");
  CHECK(e.node == "web1");
  CHECK(e.summary == "web1 nginx: upstream timed out");
  CHECK(FormatTimestamp(e.time) == "2026-05-07T03:12:45.512Z");
  CHECK(e.key.rfind("syslog/web1/nginx/", 0) == 0);
  CHECK(e.key.size() == std::string("syslog/web1/nginx/").size() + 8);
  CHECK(e.data["facility"] == "user");
  CHECK(e.data["procid"] == "1234");
  CHECK(e.data["msgid"] == "ID47");
  CHECK(e.data["structured_data"] == "[ex@1 a=\"b] c\"]");
  CHECK(e.data["message"] == "upstream timed out");
  // the same message has the same key, another message another one
  CHECK(SyslogEvent("<11>1 - web1 nginx - - - upstream timed out").key == e.key);
  CHECK(SyslogEvent("<11>1 - web1 nginx - - - upstream refused").key != e.key);
  const Event nil = SyslogEvent("<165>1 - - - - - -");
  CHECK(nil.status == "notice");
  CHECK(nil.data["facility"] == "local4");
  CHECK(nil.data["message"] == "");
}

TEST_CASE("RFC 3164 lines, lines without a priority, and the severity mapping") {
  Event e = SyslogEvent("<28>May  7 03:12:45 db1 postgres[99]: checkpoint slow");
  CHECK(e.status == "warning");
  CHECK(e.severity == "warning");
  CHECK(e.data["facility"] == "daemon");
  CHECK(e.data["app_name"] == "postgres");
  CHECK(e.data["procid"] == "99");
  CHECK(e.data["message"] == "checkpoint slow");
  e = SyslogEvent("<86>2026-05-07T03:12:45+00:00 bastion sshd: Accepted publickey for ops");
  CHECK(e.status == "info");
  CHECK(e.severity == "info");
  CHECK(e.data["hostname"] == "bastion");
  CHECK(e.data["facility"] == "authpriv");
  e = SyslogEvent("kernel panic 日本語 \xff");
  CHECK(e.status == "notice");
  CHECK(e.data["message"] == "kernel panic 日本語 \xEF\xBF\xBD");
  const char* const words[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
  const char* const levels[] = {"critical", "critical", "critical", "critical", "warning", "info", "info", "info"};
  for (int s = 0; s < 8; ++s) {
    e = SyslogEvent("<" + std::to_string(8 + s) + ">1 - h app - - - m");
    CHECK(e.status == words[s]);
    CHECK(e.severity == levels[s]);
  }
  e = SyslogEvent("<15>1 - h app - - - m", "critical");
  CHECK(e.status == "critical");
  CHECK(e.severity == "critical");
  CHECK_THROWS_AS(SyslogEvent("  "), Error);
}

}  // namespace
}  // namespace hops::notify
