#include "common/zone.hpp"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include "common/error.hpp"

namespace hops {

namespace {

std::string TzDir() {
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

}  // namespace

struct TimeZone::Impl {
  cctz::time_zone tz;
};

TimeZone::TimeZone(std::string name) : name_(std::move(name)) {}

TimeZone::~TimeZone() = default;

const TimeZone::Impl& TimeZone::Loaded() const {
  if (const Impl* loaded = impl_.load(std::memory_order_acquire)) return *loaded;
  std::lock_guard<std::mutex> lock(load_mu_);
  if (!owned_) {
    auto impl = std::make_unique<Impl>();
    if (!cctz::load_time_zone(name_, &impl->tz))
      throw RuntimeError("cannot read time zone '" + name_ + "' from the tz database (" + TzDir() +
                         "): not a TZif file");
    owned_ = std::move(impl);
    impl_.store(owned_.get(), std::memory_order_release);
  }
  return *owned_;
}

std::chrono::seconds TimeZone::OffsetAt(date::sys_seconds t) const {
  return std::chrono::seconds{Loaded().tz.lookup(t).offset};
}

LocalLookup TimeZone::FromLocal(date::local_seconds t) const {
  const auto days = date::floor<date::days>(t);
  const date::year_month_day ymd{days};
  const long secs = (t - days).count();
  const cctz::civil_second cs(int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()), secs / 3600,
                              secs / 60 % 60, secs % 60);
  const cctz::time_zone::civil_lookup cl = Loaded().tz.lookup(cs);
  LocalLookup out;
  switch (cl.kind) {
    case cctz::time_zone::civil_lookup::UNIQUE:
      out.kind = LocalLookup::Kind::kUnique;
      out.instant = out.later = cl.pre;
      break;
    case cctz::time_zone::civil_lookup::SKIPPED:
      out.kind = LocalLookup::Kind::kSkipped;
      out.instant = out.later = cl.trans;
      break;
    case cctz::time_zone::civil_lookup::REPEATED:
      out.kind = LocalLookup::Kind::kRepeated;
      out.instant = cl.pre;
      out.later = cl.post;
      break;
  }
  return out;
}

namespace {

// A name the tz database could hold: "Area/Location" path parts of [A-Za-z0-9_+-.], each starting
// with a capital letter. So a name never reaches outside the database directory, and never names
// one of the database's own files (zone.tab, tzdata.zi, posixrules, ...).
bool PlausibleZoneName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    size_t end = slash == std::string::npos ? name.size() : slash;
    if (end == start || name[start] < 'A' || name[start] > 'Z') return false;
    for (size_t i = start; i < end; ++i) {
      char c = name[i];
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '+' || c == '-' || c == '.';
      if (!ok) return false;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

// The zone name /etc/localtime points at ("/usr/share/zoneinfo/Asia/Tokyo" -> "Asia/Tokyo"), or
// the first line of /etc/timezone; "" when neither names one.
std::string SystemZoneName() {
  char buf[4096];
  ssize_t n = ::readlink("/etc/localtime", buf, sizeof buf - 1);
  if (n > 0) {
    std::string target(buf, size_t(n));
    const std::string marker = "zoneinfo/";
    size_t pos = target.rfind(marker);
    if (pos != std::string::npos) {
      std::string name = target.substr(pos + marker.size());
      for (const char* prefix : {"posix/", "right/"})
        if (name.rfind(prefix, 0) == 0) name = name.substr(std::char_traits<char>::length(prefix));
      return name;
    }
  }
  std::ifstream in("/etc/timezone");
  std::string line;
  if (in && std::getline(in, line)) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    return line;
  }
  return "";
}

void CollectZoneNames(const std::string& dir, const std::string& prefix, std::vector<std::string>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    // Zone names start with a capital letter; the database's own files (zone.tab, tzdata.zi,
    // posixrules, leapseconds, ...) and the posix/ and right/ mirrors do not.
    if (n.empty() || n[0] < 'A' || n[0] > 'Z' || n.find('.') != std::string::npos) continue;
    std::string path = dir + "/" + n;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) CollectZoneNames(path, prefix + n + "/", out);
    else if (S_ISREG(st.st_mode)) out->push_back(prefix + n);
  }
  ::closedir(d);
}

}  // namespace

const TimeZone* FindZone(const std::string& name) {
  if (!PlausibleZoneName(name)) return nullptr;
  static std::mutex mu;
  static auto* zones = new std::map<std::string, std::unique_ptr<TimeZone>>();  // never destroyed
  std::lock_guard<std::mutex> lock(mu);
  auto it = zones->find(name);
  if (it != zones->end()) return it->second.get();
  struct stat st;
  const bool exists = name == "UTC" || (::stat((TzDir() + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode));
  auto& slot = (*zones)[name];  // misses are remembered too
  if (exists) slot.reset(new TimeZone(name));
  return slot.get();
}

const TimeZone* LocalZone() {
  if (const char* tz = std::getenv("TZ"); tz && *tz) {
    if (const TimeZone* z = FindZone(tz[0] == ':' ? tz + 1 : tz)) return z;
  }
  if (const TimeZone* z = FindZone(SystemZoneName())) return z;
  return FindZone("UTC");
}

std::vector<std::string> AllZoneNames() {
  std::vector<std::string> names;
  CollectZoneNames(TzDir(), "", &names);
  if (std::find(names.begin(), names.end(), "UTC") == names.end()) names.push_back("UTC");
  std::sort(names.begin(), names.end());
  return names;
}

std::string FormatInstant(date::sys_seconds t, const TimeZone* zone) {
  const std::chrono::seconds offset = zone ? zone->OffsetAt(t) : std::chrono::seconds{0};
  const date::sys_seconds local = t + offset;
  const auto days = date::floor<date::days>(local);
  const date::year_month_day ymd{days};
  const long secs = (local - days).count();
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", int(ymd.year()), unsigned(ymd.month()),
                        unsigned(ymd.day()), secs / 3600, secs / 60 % 60, secs % 60);
  std::string out(buf, size_t(n));
  if (!zone) return out + "Z";
  long off = long(offset.count());
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  if (off % 60 != 0) std::snprintf(buf, sizeof buf, "%c%02ld:%02ld:%02ld", sign, off / 3600, off / 60 % 60, off % 60);
  else std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, off / 3600, off / 60 % 60);
  return out + buf;
}

}  // namespace hops
