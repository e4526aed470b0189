// haws-ec2's commands: describe, status, start, stop, reboot and wait for EC2 instances selected
// by id, tag, filter or inventory scope, in one or several regions at once. Everything only this
// tool uses lives in cmd/haws-ec2/ and is built into hops_haws_ec2, which main.cpp and
// tests/unit/haws-ec2/ link; the AWS client itself is common/ec2 (hscope-sync shares it).
#ifndef HOPS_CMD_HAWS_EC2_COMMANDS_HPP_
#define HOPS_CMD_HAWS_EC2_COMMANDS_HPP_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/aws_credentials.hpp"
#include "common/ec2.hpp"

namespace hops::haws_ec2 {

/// The command line, parsed once by main.cpp and then treated as const.
struct Options {
  aws::AwsOptions aws;                ///< --profile, --endpoint-url, --no-verify-ssl, --ca-bundle
  std::vector<std::string> regions;   ///< --region (repeatable); none: the configured region
  std::vector<std::string> ids;       ///< --id
  std::vector<std::string> tags;      ///< --tag KEY=VALUE or KEY
  std::vector<std::string> filters;   ///< --filter Name=N,Values=V1,V2 or N=V1,V2
  std::vector<std::string> scopes;    ///< --scope (inventory scope patterns)
  std::string inventory;              ///< --inventory FILE ("" : the default inventory)
  std::string format = "text";        ///< --format: text or json
  bool verbose = false;               ///< -v: every AWS request and answer on stderr (redacted)
  bool dry_run = false;               ///< --dry-run: EC2's DryRun
  bool wait = false;                  ///< --wait: start and stop wait for the state
  bool force = false;                 ///< --force: stop without an orderly shutdown
  std::string interval = "15s";       ///< --interval between polls while waiting
  std::string timeout = "10m";        ///< --timeout of waiting
  std::string state;                  ///< wait's STATE: running or stopped
  std::string calendar;               ///< schedule --calendar: the default calendar
  std::vector<std::string> calendar_files;  ///< schedule --calendars FILE|DIR (default: the settings' path)
  std::string calendar_tag = "hops:calendar";  ///< schedule --calendar-tag: the per-instance calendar tag
  bool enforce = false;               ///< schedule --enforce: act without a calendar transition
  std::string at;                     ///< schedule --at INSTANT instead of now ("" : now)
};

/// One instance selected, with where it was found and the inventory node that named it.
struct Target {
  aws::Instance instance;
  std::string node;  ///< the inventory node id with --scope, else ""
};

/// What a wait decides about an instance after one observation.
enum class WaitVerdict {
  kWaiting,  ///< not there yet, still on its way (or not moving yet)
  kReached,  ///< in the state waited for
  kFailed,   ///< it will not get there: terminated, or fell back (a start that ended stopped)
};

/// Judges @p instance while waiting for @p target ("running" or "stopped"). @p moved tells that
/// the instance was seen moving toward the target (pending for running, stopping for stopped)
/// since the wait (or the action before it) began: an instance that moved and then lands in the
/// opposite state failed (a start refused for a missing KMS grant goes pending -> stopped).
/// Terminated and shutting-down always fail; so do stopping while waiting for running and
/// pending while waiting for stopped (the AWS CLI waiters' failure states).
WaitVerdict JudgeWait(const std::string& target, const std::string& state, bool moved);

/// The selection of @p o as EC2 filters for region @p region (ids as instance-id, tags as tag:K
/// or tag-key, --filter as given); @p scope_ids are the ids the inventory gave for that region.
std::vector<aws::Filter> SelectionFilters(const Options& o, const std::vector<std::string>& scope_ids);

/// What `schedule` does with one instance.
struct ScheduleDecision {
  std::string action;   ///< "start", "stop" or "" (nothing)
  std::string note;     ///< why, for the report, when there is nothing to do
  bool remember = true; ///< record the calendar state as seen (false: try again next run)
};

/// Decides for an instance in @p state whose calendar is @p open now, when the last run saw the
/// calendar @p last ("open", "closed"; nullopt: never seen). Acts only on a transition (or the
/// first sight) unless @p enforce, so an instance started by hand outside hours stays up; an
/// instance already there or on its way is left alone, one going the other way is tried again
/// at the next run.
ScheduleDecision DecideSchedule(bool open, const std::optional<std::string>& last, const std::string& state,
                                bool enforce);

/// `describe`: the selected instances as a table or ec2.instance events. 0, or 1 when a region or
/// an --id was not answered.
int CmdDescribe(const Options& o);
/// `status`: health checks and scheduled events (ec2.health events). 0, or 1 as describe.
int CmdStatus(const Options& o);
/// `start`, `stop` or `reboot` (@p action) the selection, then wait with --wait. 0 when every
/// instance did what was asked, 1 when any did not.
int CmdAction(const Options& o, const std::string& action);
/// `wait running|stopped`: polls until every selected instance is in o.state. 0 or 1.
int CmdWait(const Options& o);
/// `schedule`: starts the selected instances (those with the calendar tag when nothing is
/// selected) whose calendar is open and stops those whose calendar is closed, on calendar
/// transitions (DecideSchedule), under a lock of the state store. 0, or 1 when any instance
/// failed, a region did not answer, or another run holds the lock.
int CmdSchedule(const Options& o);

}  // namespace hops::haws_ec2

#endif  // HOPS_CMD_HAWS_EC2_COMMANDS_HPP_
