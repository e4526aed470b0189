#include "cmd/haws-ec2/commands.hpp"

#include <doctest/doctest.h>

namespace hops::haws_ec2 {

TEST_CASE("haws-ec2 wait: reaching, still on the way, and the states an instance cannot come back from") {
  CHECK(JudgeWait("running", "running", false) == WaitVerdict::kReached);
  CHECK(JudgeWait("running", "pending", true) == WaitVerdict::kWaiting);
  CHECK(JudgeWait("running", "stopped", false) == WaitVerdict::kWaiting);  // not started yet (by someone else)
  // A start that fell back to stopped (a missing KMS grant) is a failure, not something to wait out.
  CHECK(JudgeWait("running", "stopped", true) == WaitVerdict::kFailed);
  CHECK(JudgeWait("running", "stopping", false) == WaitVerdict::kFailed);
  CHECK(JudgeWait("running", "terminated", false) == WaitVerdict::kFailed);
  CHECK(JudgeWait("running", "shutting-down", true) == WaitVerdict::kFailed);
  CHECK(JudgeWait("stopped", "stopped", true) == WaitVerdict::kReached);
  CHECK(JudgeWait("stopped", "stopping", true) == WaitVerdict::kWaiting);
  CHECK(JudgeWait("stopped", "running", false) == WaitVerdict::kWaiting);
  CHECK(JudgeWait("stopped", "running", true) == WaitVerdict::kFailed);
  CHECK(JudgeWait("stopped", "pending", false) == WaitVerdict::kFailed);
  CHECK(JudgeWait("stopped", "terminated", false) == WaitVerdict::kFailed);
}

TEST_CASE("haws-ec2 selection: ids, tags and filters become EC2 filters, ANDed") {
  Options o;
  o.ids = {"i-1", "i-2"};
  o.tags = {"Env=prod", "Env=stage", "Role=web", "Backup"};
  o.filters = {"Name=instance-state-name,Values=running,stopped", "vpc-id=vpc-1"};
  const auto f = SelectionFilters(o, {"i-3"});
  REQUIRE(f.size() == 7);
  CHECK(f[0].name == "instance-id");
  CHECK(f[0].values == std::vector<std::string>{"i-1", "i-2"});
  CHECK(f[1].values == std::vector<std::string>{"i-3"});
  CHECK(f[2].name == "tag:Env");
  CHECK(f[2].values == std::vector<std::string>{"prod", "stage"});
  CHECK(f[3].name == "tag:Role");
  CHECK(f[4].name == "tag-key");
  CHECK(f[4].values == std::vector<std::string>{"Backup"});
  CHECK(f[5].values == std::vector<std::string>{"running", "stopped"});
  CHECK(f[6].name == "vpc-id");
  o.tags = {"=x"};
  CHECK_THROWS_WITH(SelectionFilters(o, {}), "invalid tag '=x': expected KEY=VALUE or KEY");
}

}  // namespace hops::haws_ec2

namespace hops::haws_ec2 {

TEST_CASE("haws-ec2 schedule: acts on calendar transitions, leaves hand-started instances up") {
  // First sight: reconcile.
  CHECK(DecideSchedule(false, std::nullopt, "running", false).action == "stop");
  CHECK(DecideSchedule(true, std::nullopt, "stopped", false).action == "start");
  // No transition: a hand-started instance outside hours stays up, unless enforced.
  ScheduleDecision d = DecideSchedule(false, std::string("closed"), "running", false);
  CHECK(d.action.empty());
  CHECK(d.note == "no change since the last run: left running");
  CHECK(d.remember);
  CHECK(DecideSchedule(false, std::string("closed"), "running", true).action == "stop");
  // A transition acts.
  CHECK(DecideSchedule(true, std::string("closed"), "stopped", false).action == "start");
  CHECK(DecideSchedule(false, std::string("open"), "running", false).action == "stop");
  // Already there, or on the way.
  CHECK(DecideSchedule(true, std::string("closed"), "pending", false).note == "already pending");
  CHECK(DecideSchedule(false, std::string("open"), "stopped", false).action.empty());
  // Going the other way: not remembered, so the next run tries again.
  d = DecideSchedule(true, std::string("closed"), "stopping", false);
  CHECK(d.action.empty());
  CHECK_FALSE(d.remember);
  CHECK_FALSE(DecideSchedule(false, std::string("open"), "pending", false).remember);
  CHECK(DecideSchedule(true, std::nullopt, "terminated", true).action.empty());
}

}  // namespace hops::haws_ec2
