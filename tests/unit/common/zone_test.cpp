// Time zones: one TZif file per zone, read only when a question needs it.
#include "common/zone.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "tests/unit/testing/peer.hpp"

using namespace hops;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

date::sys_seconds Utc(int y, unsigned m, unsigned d, int h, int mi = 0) {
  return date::sys_days{date::year{y} / date::month{m} / date::day{d}} + hours{h} + minutes{mi};
}

date::local_seconds Local(int y, unsigned m, unsigned d, int h, int mi = 0) {
  return date::local_days{date::year{y} / date::month{m} / date::day{d}} + hours{h} + minutes{mi};
}

// Sets $TZDIR for one test and restores it afterwards.
class TzDirOverride {
 public:
  explicit TzDirOverride(const std::string& dir) {
    if (const char* old = std::getenv("TZDIR")) old_ = old, had_ = true;
    ::setenv("TZDIR", dir.c_str(), 1);
  }
  ~TzDirOverride() {
    if (had_) ::setenv("TZDIR", old_.c_str(), 1);
    else ::unsetenv("TZDIR");
  }

 private:
  std::string old_;
  bool had_ = false;
};

void CopyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  REQUIRE(in);
  std::ofstream out(to, std::ios::binary);
  out << in.rdbuf();
  REQUIRE(out);
}

}  // namespace

TEST_SUITE("zone") {

TEST_CASE("FindZone: names of the tz database, one object per name") {
  const TimeZone* tokyo = FindZone("Asia/Tokyo");
  REQUIRE(tokyo != nullptr);
  CHECK(tokyo->name() == "Asia/Tokyo");
  CHECK(FindZone("Asia/Tokyo") == tokyo);
  REQUIRE(FindZone("UTC") != nullptr);
  CHECK(FindZone("UTC")->OffsetAt(Utc(2026, 5, 8, 0)) == seconds{0});
  CHECK(FindZone("America/Argentina/Buenos_Aires") != nullptr);
  CHECK(FindZone("Etc/GMT+9") != nullptr);
}

TEST_CASE("FindZone: unknown and malformed names are not zones") {
  CHECK(FindZone("Asia/Tokio") == nullptr);
  CHECK(FindZone("asia/tokyo") == nullptr);
  CHECK(FindZone("Asia") == nullptr);  // a directory
  CHECK(FindZone("") == nullptr);
  for (const char* name : {"../../../etc/passwd", "/etc/passwd", "Asia/../Asia/Tokyo", "zone.tab", "tzdata.zi",
                           "posixrules", "localtime", "file:Asia/Tokyo", "Asia//Tokyo", "Asia/Tokyo/"})
    CHECK_MESSAGE(FindZone(name) == nullptr, name);
}

TEST_CASE("TimeZone: offsets, standard and daylight saving time") {
  const TimeZone* tokyo = FindZone("Asia/Tokyo");
  const TimeZone* ny = FindZone("America/New_York");
  REQUIRE(tokyo != nullptr);
  REQUIRE(ny != nullptr);
  CHECK(tokyo->OffsetAt(Utc(2026, 5, 8, 8)) == hours{9});
  CHECK(ny->OffsetAt(Utc(2026, 1, 15, 12)) == hours{-5});
  CHECK(ny->OffsetAt(Utc(2026, 7, 15, 12)) == hours{-4});
  // Far beyond the transitions listed in the file, the zone's rule still applies.
  CHECK(ny->OffsetAt(Utc(2150, 7, 15, 12)) == hours{-4});
  CHECK(ny->OffsetAt(Utc(2150, 12, 15, 12)) == hours{-5});
  CHECK(tokyo->ToLocal(Utc(2026, 5, 8, 15)) == Local(2026, 5, 9, 0));
}

TEST_CASE("TimeZone: local times in a spring-forward gap and a fall-back overlap") {
  const TimeZone* ny = FindZone("America/New_York");
  REQUIRE(ny != nullptr);
  // 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC): 02:30 does not exist.
  LocalLookup gap = ny->FromLocal(Local(2026, 3, 8, 2, 30));
  CHECK(gap.kind == LocalLookup::Kind::kSkipped);
  CHECK(gap.instant == Utc(2026, 3, 8, 7));
  // 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC): 01:30 happens twice.
  LocalLookup twice = ny->FromLocal(Local(2026, 11, 1, 1, 30));
  CHECK(twice.kind == LocalLookup::Kind::kRepeated);
  CHECK(twice.instant == Utc(2026, 11, 1, 5, 30));
  CHECK(twice.later == Utc(2026, 11, 1, 6, 30));
  LocalLookup plain = ny->FromLocal(Local(2026, 7, 1, 9));
  CHECK(plain.kind == LocalLookup::Kind::kUnique);
  CHECK(plain.instant == Utc(2026, 7, 1, 13));
  CHECK(plain.later == plain.instant);
}

TEST_CASE("FormatInstant: ISO 8601 with the zone's offset at that instant") {
  CHECK(FormatInstant(Utc(2026, 5, 8, 8), FindZone("Asia/Tokyo")) == "2026-05-08T17:00:00+09:00");
  CHECK(FormatInstant(Utc(2026, 1, 15, 12, 5), FindZone("America/New_York")) == "2026-01-15T07:05:00-05:00");
  CHECK(FormatInstant(Utc(2026, 5, 8, 8), FindZone("UTC")) == "2026-05-08T08:00:00+00:00");
  CHECK(FormatInstant(Utc(2026, 5, 8, 8), nullptr) == "2026-05-08T08:00:00Z");
  CHECK(FormatInstant(Utc(1960, 1, 1, 0), nullptr) == "1960-01-01T00:00:00Z");
  // India's half hour, and a pre-standard local mean time offset with seconds.
  CHECK(FormatInstant(Utc(2026, 5, 8, 0), FindZone("Asia/Kolkata")) == "2026-05-08T05:30:00+05:30");
  CHECK(FormatInstant(Utc(1880, 1, 1, 0), FindZone("Asia/Tokyo")) == "1880-01-01T09:18:59+09:18:59");
}

TEST_CASE("TimeZone: the file is read on the first question, not when the zone is found") {
  const std::string dir = testing::MakeTempDir("hops-zone");
  REQUIRE(!dir.empty());
  REQUIRE(::mkdir((dir + "/Hops").c_str(), 0755) == 0);
  TzDirOverride tzdir(dir);
  CopyFile("/usr/share/zoneinfo/Asia/Tokyo", dir + "/Hops/Lazy");
  CopyFile("/usr/share/zoneinfo/Asia/Tokyo", dir + "/Hops/Eager");
  const TimeZone* lazy = FindZone("Hops/Lazy");
  const TimeZone* eager = FindZone("Hops/Eager");
  REQUIRE(lazy != nullptr);
  REQUIRE(eager != nullptr);
  CHECK(eager->OffsetAt(Utc(2026, 1, 1, 0)) == hours{9});
  // Both files go away: the zone already asked keeps answering; the other was never read.
  ::unlink((dir + "/Hops/Lazy").c_str());
  ::unlink((dir + "/Hops/Eager").c_str());
  CHECK(eager->OffsetAt(Utc(2026, 1, 1, 0)) == hours{9});
  CHECK_THROWS_AS(lazy->OffsetAt(Utc(2026, 1, 1, 0)), RuntimeError);
  // A file of the right name that is not a TZif file is an error when asked, not a silent UTC.
  {
    std::ofstream junk(dir + "/Hops/Junk");
    junk << "not a zone\n";
  }
  const TimeZone* junk = FindZone("Hops/Junk");
  REQUIRE(junk != nullptr);
  CHECK_THROWS_WITH_AS(junk->FromLocal(Local(2026, 1, 1, 0)),
                       doctest::Contains("cannot read time zone 'Hops/Junk'"), RuntimeError);
  ::unlink((dir + "/Hops/Junk").c_str());
  ::rmdir((dir + "/Hops").c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("AllZoneNames: the database's zones, without its own files") {
  const std::vector<std::string> names = AllZoneNames();
  CHECK(std::find(names.begin(), names.end(), "Asia/Tokyo") != names.end());
  CHECK(std::find(names.begin(), names.end(), "UTC") != names.end());
  CHECK(std::find(names.begin(), names.end(), "zone.tab") == names.end());
  CHECK(std::find(names.begin(), names.end(), "posixrules") == names.end());
  CHECK(std::is_sorted(names.begin(), names.end()));
}

TEST_CASE("LocalZone: $TZ names the zone") {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", "Asia/Tokyo", 1);
  CHECK(LocalZone() == FindZone("Asia/Tokyo"));
  ::setenv("TZ", ":Europe/Berlin", 1);
  CHECK(LocalZone() == FindZone("Europe/Berlin"));
  if (old) ::setenv("TZ", saved.c_str(), 1);
  else ::unsetenv("TZ");
  CHECK(LocalZone() != nullptr);
}

}  // TEST_SUITE
