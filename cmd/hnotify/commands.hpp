// hnotify's commands: send, flush, test, validate, schema and spool (see hnotify(1)).
#ifndef HOPS_CMD_HNOTIFY_COMMANDS_HPP_
#define HOPS_CMD_HNOTIFY_COMMANDS_HPP_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace hops::notify {

/// Exit codes (hnotify(1) EXIT STATUS).
constexpr int kExitDelivered = 0;  ///< everything was delivered (or there was nothing to send)
constexpr int kExitFailed = 1;     ///< something failed for good: dropped, or an input line rejected
constexpr int kExitUsage = 2;      ///< usage or definition error; or no input line was usable
constexpr int kExitSpooled = 75;   ///< accepted and spooled for a retry (sendmail's EX_TEMPFAIL)

/// The command line, parsed once by main.cpp.
struct Options {
  std::string config;                 ///< -c: the definition file ("" = the default path)
  int verbose = 0;                    ///< -v: report every decision and attempt
  std::string wait;                   ///< --wait DURATION ("" = do not wait for retries)
  std::vector<std::string> channels;  ///< send --channel
  std::string status;                 ///< send --status
  std::string title;                  ///< send --title
  std::string message;                ///< send --message
  std::string from;                   ///< send --from: snmptrapd, syslog ("" or events: JSON lines)
  std::string channel;                ///< test CHANNEL
  std::string format = "text";        ///< spool list --format
  int64_t id = 0;                     ///< spool show|retry|drop ID
  std::vector<std::string> match;     ///< silence add --match K=V
  std::string until;                  ///< silence add --until TIME|DURATION
  std::string comment;                ///< silence add --comment
  std::string silence;                ///< silence remove ID
};

/// `send`: routes the events read from @p in (JSON lines, or the --from format), or sends one
/// ad-hoc message.
int CmdSend(const Options& o, std::istream& in);
/// `flush`: delivers what is due in the spool.
int CmdFlush(const Options& o);
/// `test CHANNEL`: sends a test notification through the spool, once, and says how it went.
int CmdTest(const Options& o);
/// `validate`: lists every definition error; warns about secrets that cannot be read now.
int CmdValidate(const Options& o);
/// `schema`: prints the JSON Schema of the definition file.
int CmdSchema();
/// `spool list`.
int CmdSpoolList(const Options& o);
/// `spool show ID`.
int CmdSpoolShow(const Options& o);
/// `spool retry ID`: makes the item due now.
int CmdSpoolRetry(const Options& o);
/// `spool drop ID`: removes the item without delivering it.
int CmdSpoolDrop(const Options& o);
/// `silence add`: stores a silence and prints its id.
int CmdSilenceAdd(const Options& o);
/// `silence list`: the silences in force.
int CmdSilenceList(const Options& o);
/// `silence remove ID`.
int CmdSilenceRemove(const Options& o);

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_COMMANDS_HPP_
