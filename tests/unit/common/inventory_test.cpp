// The node inventory: parsing with positioned errors, scope selection, writing back, templates.
#include "common/inventory.hpp"

#include <dirent.h>
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"

using namespace hops;
using namespace hops::inv;

namespace {

const char* const kExample = HOPS_SOURCE_DIR "/examples/inventory.yaml";

// A small inventory used by the selection tests.
const char* const kSmall = R"(version: 1
nodes:
  web01: {address: 127.0.0.11, scopes: [tokyo/web, prod], tags: {role: web, env: prod}}
  db01: {address: 127.0.0.21, scopes: [tokyo/db, prod], tags: {role: db, env: prod}}
  web11: {address: 192.0.2.11, scopes: [osaka/web], tags: {role: web, env: dr}}
  stg01: {address: 198.51.100.1, scopes: [osaka/staging/web], tags: {role: web}}
  lone: {address: lone.example.com}
scopes:
  osaka/empty: {description: nothing here yet}
)";

DefinitionError ParseError(const std::string& text) {
  try {
    Inventory::Parse(text, "t.yaml");
  } catch (const DefinitionError& e) {
    return e;
  }
  FAIL("expected a DefinitionError for:\n" << text);
  return DefinitionError({}, "");
}

void CheckError(const std::string& text, int line, int column, const std::string& message) {
  DefinitionError e = ParseError(text);
  INFO(e.what());
  CHECK(e.loc().file == "t.yaml");
  CHECK(e.loc().line == line);
  CHECK(e.loc().column == column);
  CHECK(e.message() == message);
  CHECK(std::string(e.what()).rfind(
            "t.yaml:" + std::to_string(line) + ":" + std::to_string(column) + ": " + message, 0) == 0);
}

std::vector<std::string> Ids(const std::vector<const Node*>& nodes) {
  std::vector<std::string> out;
  for (const Node* n : nodes) out.push_back(n->id);
  return out;
}

std::vector<std::string> SelectIds(const Inventory& inv, const std::vector<std::string>& scopes,
                                   const std::vector<std::string>& ids = {}) {
  return Ids(inv.Select(scopes, ids));
}

std::string UsageMessage(const Inventory& inv, const std::vector<std::string>& scopes,
                         const std::vector<std::string>& ids = {}) {
  try {
    inv.Select(scopes, ids);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError");
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
  }
  return out;
}

// A fresh temporary directory, removed with its files at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hops-inv-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    for (const auto& n : DirEntries(path_)) unlink((path_ + "/" + n).c_str());
    rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Sets or unsets environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  ~EnvGuard() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second)
        setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        unsetenv(it->first.c_str());
    }
  }
  void Set(const std::string& name, const std::string& value) {
    Save(name);
    setenv(name.c_str(), value.c_str(), 1);
  }
  void Unset(const std::string& name) {
    Save(name);
    unsetenv(name.c_str());
  }

 private:
  void Save(const std::string& name) {
    const char* old = getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::string Expand(const std::string& tmpl, const Node& node) {
  std::string err;
  auto out = ExpandNodeTemplate(tmpl, node, &err);
  INFO(err);
  REQUIRE(out.has_value());
  return *out;
}

std::string ExpandError(const std::string& tmpl, const Node& node) {
  std::string err;
  auto out = ExpandNodeTemplate(tmpl, node, &err);
  CHECK_FALSE(out.has_value());
  return err;
}

}  // namespace

TEST_SUITE("inventory") {

TEST_CASE("the example inventory loads") {
  Inventory inv = Inventory::Load(kExample);
  CHECK(inv.source() == kExample);
  CHECK(inv.generated_by() == "hand");
  REQUIRE(inv.nodes().size() == 8);
  const Node* web01 = inv.FindNode("web01");
  REQUIRE(web01 != nullptr);
  CHECK(web01->name == "web01.tokyo");
  CHECK(web01->address == "127.0.0.11");
  CHECK(web01->platform == "linux");
  REQUIRE(web01->ssh.has_value());
  CHECK(web01->ssh->user == "ops");
  CHECK(web01->ssh->port == 22);
  CHECK(web01->scopes == std::vector<std::string>{"tokyo/web", "prod"});
  CHECK(web01->tags == std::map<std::string, std::string>{{"env", "prod"}, {"role", "web"}});
  CHECK(web01->attributes.at("rack") == "A1");
  CHECK(web01->loc.line > 0);
  const Node* batch01 = inv.FindNode("batch01");
  REQUIRE(batch01 != nullptr);
  REQUIRE(batch01->ssh.has_value());
  CHECK(batch01->ssh->port == 22);  // the default
  CHECK_FALSE(inv.FindNode("batch11")->ssh.has_value());
  CHECK(inv.FindNode("nope") == nullptr);
  REQUIRE(inv.FindScope("tokyo") != nullptr);
  CHECK(inv.FindScope("tokyo")->description == "Tokyo data center (primary)");
  CHECK(inv.FindScope("nowhere") == nullptr);
  // Every tool's typical selections work on the example.
  CHECK(SelectIds(inv, {"tokyo"}) == std::vector<std::string>{"web01", "web02", "db01", "batch01"});
  CHECK(SelectIds(inv, {"*/web"}) == std::vector<std::string>{"web01", "web02", "web11"});
  CHECK(SelectIds(inv, {"tag:role=batch"}) == std::vector<std::string>{"batch01", "batch11"});
}

TEST_CASE("a minimal inventory and defaults") {
  Inventory inv = Inventory::Parse("nodes:\n  a: {address: a.example.com}\n", "t.yaml");
  REQUIRE(inv.nodes().size() == 1);
  const Node& a = inv.nodes()[0];
  CHECK(a.id == "a");
  CHECK(a.name.empty());
  CHECK(a.DisplayName() == "a");
  CHECK_FALSE(a.ssh.has_value());
  CHECK(a.scopes.empty());
  CHECK(a.loc.Str() == "t.yaml:2:3");
  CHECK(inv.generated_by().empty());
  CHECK(Inventory::Parse("nodes: {}\n", "t.yaml").nodes().empty());
  // A single scope may be written without a list; a scope entry needs no description.
  Inventory one = Inventory::Parse("nodes:\n  a: {address: ::1, scopes: x/y}\nscopes:\n  x:\n", "t.yaml");
  CHECK(one.nodes()[0].scopes == std::vector<std::string>{"x/y"});
  REQUIRE(one.FindScope("x") != nullptr);
  CHECK(one.FindScope("x")->description.empty());
}

TEST_CASE("definition errors point at the offending place") {
  CheckError("nodes:\n  web01:\n    adress: 127.0.0.1\n", 3, 5,
             "unknown key 'adress' in node 'web01', did you mean 'address'?");
  CheckError("nodes:\n  web01:\n    address: 127.0.0.1\n    ssh: {user: ops, prot: 22}\n", 4, 22,
             "unknown key 'prot' in 'ssh' of node 'web01', did you mean 'port'?");
  CheckError("version: 1\nnode:\n  a: {address: x}\n", 2, 1,
             "unknown key 'node' in the inventory, did you mean 'nodes'?");
  CheckError("nodes:\n  web/01: {address: 127.0.0.1}\n", 2, 3,
             "malformed node id 'web/01': use letters, digits, '.', '_' and '-'");
  CheckError("nodes:\n  ..: {address: 127.0.0.1}\n", 2, 3,
             "malformed node id '..': use letters, digits, '.', '_' and '-'");
  CheckError("nodes:\n  web01:\n    address: 127.0.0.1\n    scopes: [tokyo//web]\n", 4, 14,
             "malformed scope path 'tokyo//web': use segments of letters, digits, '.', '_', '-' and %XX escapes "
             "separated by single '/'");
  CheckError("nodes:\n  web01:\n    address: 127.0.0.1\n    scopes: [ok, /tokyo]\n", 4, 18,
             "malformed scope path '/tokyo': use segments of letters, digits, '.', '_', '-' and %XX escapes "
             "separated by single '/'");
  CheckError("nodes:\n  a: {address: x}\nscopes:\n  tokyo/: {description: x}\n", 4, 3,
             "malformed scope path 'tokyo/': use segments of letters, digits, '.', '_', '-' and %XX escapes "
             "separated by single '/'");
  CheckError("nodes:\n  web01: {address: 127.0.0.1}\n  db01: {address: 127.0.0.2}\n  web01: {address: 127.0.0.3}\n",
             4, 3, "node 'web01' is defined twice (first at t.yaml:2:3)");
  CheckError("nodes:\n  web01:\n    address: 127.0.0.1\n    tags: {role: [web, db]}\n", 4, 18,
             "tag 'role' of node 'web01' must be a scalar, got a list");
  CheckError("nodes:\n  web01:\n    address: 127.0.0.1\n    attributes:\n      rack: {row: 1}\n", 5, 13,
             "attribute 'rack' of node 'web01' must be a scalar, got a mapping");
  CheckError("nodes:\n  web01:\n    address: 127.0.0.1\n    tags: [web]\n", 4, 11,
             "'tags' of node 'web01' must be a mapping of names to values, got a list");
  CheckError("nodes:\n  web01:\n    name: web\n    platform: linux\n", 2, 3,
             "node 'web01' is missing required key 'address'");
  CheckError("nodes:\n  web01:\n", 2, 3, "node 'web01' is missing required key 'address'");
  CheckError("nodes:\n  web01: {address: 127.0.0.300}\n", 2, 20,
             "'address' must be a host name or an IP address, got '127.0.0.300'");
  CheckError("nodes:\n  web01: {address: 'a b'}\n", 2, 20,
             "'address' must be a host name or an IP address, got 'a b'");
  CheckError("nodes:\n  web01: {address: x, ssh: {port: 70000}}\n", 2, 35,
             "'port' must be between 1 and 65535, got 70000");
  CheckError("nodes:\n  web01: {address: x, scopes: [a, a]}\n", 2, 35, "node 'web01' lists scope 'a' twice");
  CheckError("nodes:\n  web01: {address: x, tags: {a=b: c}}\n", 2, 30,
             "malformed tag name 'a=b': it must not contain '=', '{', '}' or control characters");
  CheckError("version: 2\nnodes: {}\n", 1, 10, "'version' must be between 1 and 1, got 2");
  CheckError("version: 1\n", 1, 1, "the inventory is missing required key 'nodes'");
  CheckError("nodes: [a, b]\n", 1, 8, "'nodes' must be a mapping of node ids to nodes, got a list");
  CheckError("nodes: {}\nscopes:\n  tokyo: {descripton: x}\n", 3, 11,
             "unknown key 'descripton' in scope 'tokyo', did you mean 'description'?");
}

TEST_CASE("several errors: the first in file order, with a count of the others") {
  DefinitionError e = ParseError("nodes:\n  a: {adress: x}\n  b/c: {address: x}\n  d: {address: x, tags: {t: [1]}}\n");
  INFO(e.what());
  CHECK(e.loc().line == 2);
  CHECK(e.loc().column == 7);
  CHECK(e.message() == "unknown key 'adress' in node 'a', did you mean 'address'? (and 2 more errors)");
  CHECK(std::string(e.what()).find("\n    a: {adress: x}\n        ^") != std::string::npos);
}

TEST_CASE("syntax errors and unreadable files") {
  DefinitionError e = ParseError("nodes:\n  a: {address: x\n");
  CHECK(e.message().rfind("YAML syntax error", 0) == 0);
  CHECK(e.loc().line > 0);
  try {
    Inventory::Load("/nonexistent/hops/inventory.yaml");
    FAIL("expected a DefinitionError");
  } catch (const DefinitionError& err) {
    CHECK(err.loc().file == "/nonexistent/hops/inventory.yaml");
    CHECK(err.message().rfind("cannot read file", 0) == 0);
  }
  CHECK(ParseError("").message() == "the file is empty: expected a 'nodes' mapping");
}

TEST_CASE("node ids and scope paths") {
  CHECK(IsValidNodeId("web-01.tokyo_a"));
  CHECK_FALSE(IsValidNodeId(""));
  CHECK_FALSE(IsValidNodeId("."));
  CHECK_FALSE(IsValidNodeId("a b"));
  CHECK_FALSE(IsValidNodeId("a/b"));
  CHECK(IsValidScopePath("tokyo"));
  CHECK(IsValidScopePath("ap-northeast-1/vpc-1/subnet_a"));
  CHECK_FALSE(IsValidScopePath(""));
  CHECK_FALSE(IsValidScopePath("/tokyo"));
  CHECK_FALSE(IsValidScopePath("tokyo/"));
  CHECK_FALSE(IsValidScopePath("tokyo//web"));
  CHECK_FALSE(IsValidScopePath("tokyo/../osaka"));
  CHECK_FALSE(IsValidScopePath("tokyo/*"));
}

TEST_CASE("ScopePaths lists every scope with its parents, sorted") {
  Inventory inv = Inventory::Parse(kSmall, "t.yaml");
  CHECK(inv.ScopePaths() == std::vector<std::string>{"osaka", "osaka/empty", "osaka/staging",
                                                     "osaka/staging/web", "osaka/web", "prod", "tokyo",
                                                     "tokyo/db", "tokyo/web"});
  CHECK(Inventory().ScopePaths().empty());
}

TEST_CASE("Select: everything, exact scopes and node ids") {
  Inventory inv = Inventory::Parse(kSmall, "t.yaml");
  CHECK(SelectIds(inv, {}) == std::vector<std::string>{"web01", "db01", "web11", "stg01", "lone"});
  CHECK(SelectIds(inv, {"tokyo"}) == std::vector<std::string>{"web01", "db01"});
  CHECK(SelectIds(inv, {"tokyo/web"}) == std::vector<std::string>{"web01"});
  CHECK(SelectIds(inv, {"osaka"}) == std::vector<std::string>{"web11", "stg01"});
  CHECK(SelectIds(inv, {"prod"}) == std::vector<std::string>{"web01", "db01"});
  CHECK(SelectIds(inv, {"osaka/empty"}).empty());  // described, but no node in it
  // Union, in inventory order, without duplicates.
  CHECK(SelectIds(inv, {"prod", "tokyo/web"}, {"lone", "web01"}) ==
        std::vector<std::string>{"web01", "db01", "lone"});
  CHECK(SelectIds(inv, {}, {"stg01", "db01"}) == std::vector<std::string>{"db01", "stg01"});
  // "tokyo/we" is not a prefix match.
  CHECK(UsageMessage(inv, {"tokyo/we"}) ==
        "unknown scope 'tokyo/we' in inventory 't.yaml', did you mean 'tokyo/web'?");
  CHECK(UsageMessage(inv, {"tokio"}) == "unknown scope 'tokio' in inventory 't.yaml', did you mean 'tokyo'?");
  CHECK(UsageMessage(inv, {}, {"web1"}) == "unknown node 'web1' in inventory 't.yaml', did you mean 'web11'?");
  CHECK(UsageMessage(inv, {}, {"zzzzzz"}) == "unknown node 'zzzzzz' in inventory 't.yaml'");
  CHECK(UsageMessage(inv, {"tokyo/"}).rfind("malformed scope 'tokyo/'", 0) == 0);
}

TEST_CASE("Select: globs") {
  Inventory inv = Inventory::Parse(kSmall, "t.yaml");
  CHECK(SelectIds(inv, {"*/web"}) == std::vector<std::string>{"web01", "web11"});
  CHECK(SelectIds(inv, {"**/web"}) == std::vector<std::string>{"web01", "web11", "stg01"});
  CHECK(SelectIds(inv, {"osaka/**"}) == std::vector<std::string>{"web11", "stg01"});
  CHECK(SelectIds(inv, {"tokyo/**"}) == std::vector<std::string>{"web01", "db01"});
  CHECK(SelectIds(inv, {"*"}) == std::vector<std::string>{"web01", "db01", "web11", "stg01"});
  CHECK(SelectIds(inv, {"**"}) == std::vector<std::string>{"web01", "db01", "web11", "stg01"});
  CHECK(SelectIds(inv, {"tok*"}) == std::vector<std::string>{"web01", "db01"});
  CHECK(SelectIds(inv, {"*/d*"}) == std::vector<std::string>{"db01"});
  CHECK(SelectIds(inv, {"osaka/*/web"}) == std::vector<std::string>{"stg01"});
  CHECK(SelectIds(inv, {"**/staging/**"}) == std::vector<std::string>{"stg01"});
  CHECK(UsageMessage(inv, {"*/batch"}) == "scope pattern '*/batch' matches no scope in inventory 't.yaml'");
  CHECK(UsageMessage(inv, {"tokyo/***"}).rfind("malformed scope pattern 'tokyo/***'", 0) == 0);
  CHECK(UsageMessage(inv, {"a**/b"}).rfind("malformed scope pattern 'a**/b'", 0) == 0);
}

TEST_CASE("Select: tags") {
  Inventory inv = Inventory::Parse(kSmall, "t.yaml");
  CHECK(SelectIds(inv, {"tag:role=web"}) == std::vector<std::string>{"web01", "web11", "stg01"});
  CHECK(SelectIds(inv, {"tag:env=prod"}) == std::vector<std::string>{"web01", "db01"});
  CHECK(SelectIds(inv, {"tag:env"}) == std::vector<std::string>{"web01", "db01", "web11"});
  CHECK(SelectIds(inv, {"tag:role=db", "osaka/staging"}) == std::vector<std::string>{"db01", "stg01"});
  CHECK(UsageMessage(inv, {"tag:rol=web"}) ==
        "unknown tag 'rol' in inventory 't.yaml': no node has it, did you mean 'role'?");
  CHECK(UsageMessage(inv, {"tag:role=wbe"}) ==
        "no node has tag 'role=wbe' in inventory 't.yaml', did you mean 'web'?");
  CHECK(UsageMessage(inv, {"tag:=web"}) == "malformed tag selector 'tag:=web': expected tag:KEY=VALUE or tag:KEY");
}

TEST_CASE("ToYaml round-trips") {
  Inventory original = Inventory::Load(kExample);
  std::string yaml = original.ToYaml();
  Inventory again = Inventory::Parse(yaml, "again.yaml");
  CHECK(again == original);
  CHECK(again.ToYaml() == yaml);  // stable
  CHECK(yaml.rfind("version: 1\ngenerated_by: hand\nnodes:\n  web01:\n    name: web01.tokyo\n"
                   "    address: 127.0.0.11\n    ssh: {user: ops, port: 22}\n    platform: linux\n"
                   "    scopes: [tokyo/web, prod]\n    tags: {env: prod, role: web}\n",
                   0) == 0);
  CHECK(yaml.find("pg_port: \"5432\"") != std::string::npos);  // numbers stay strings for any reader
  CHECK(yaml.find("\nscopes:\n  tokyo: {description: Tokyo data center (primary)}\n") != std::string::npos);

  // Values that need quoting survive the trip.
  Inventory odd;
  odd.set_generated_by("hscope-sync 0.1.0");
  odd.set_generated_at("2026-05-06T10:00:00+09:00");
  Node n;
  n.id = "true";
  n.address = "2001:db8::1";
  n.name = " padded name ";
  n.ssh = SshInfo{"", 2222};
  n.scopes = {"ap-northeast-1/vpc-0a1b/subnet-1", "-odd"};
  n.tags = {{"Name", "web: \"primary\" # 1"}, {"aws:cloudformation:stack-name", "stack"},
            {"empty", ""}, {"null", "~"}, {"yes", "no"}, {"num", "0x1F"}, {"float", "1e3"},
            {"date", "2026-05-06"}, {"list", "[a, b]"}, {"ctl", "a\tb\nc\x01"}, {"utf8", "東京 DC"}};
  n.attributes = {{"long", std::string(120, 'x')}};
  odd.AddNode(n);
  Node m;
  m.id = "m";
  m.address = "m.example.com";
  odd.AddNode(m);
  odd.SetScope({"ap-northeast-1", "Tokyo: region"});
  odd.SetScope({"empty", ""});
  std::string text = odd.ToYaml();
  INFO(text);
  Inventory back = Inventory::Parse(text, "odd.yaml");
  CHECK(back == odd);
  CHECK(back.generated_at() == "2026-05-06T10:00:00+09:00");
  CHECK(back.nodes()[0].tags.at("ctl") == "a\tb\nc\x01");
  CHECK(text.find("\n    attributes:\n      long: xxx") != std::string::npos);  // too long for one line
  CHECK(text.find("\n  empty: {}\n") != std::string::npos);
  // Strings other YAML readers would take as numbers, booleans, null or dates are quoted.
  for (const char* quoted : {"\"true\":", "float: \"1e3\"", "num: \"0x1F\"", "date: \"2026-05-06\"",
                             "\"null\": \"~\"", "\"yes\": \"no\"", "empty: \"\"", "\"-odd\""})
    CHECK_MESSAGE(text.find(quoted) != std::string::npos, quoted);
  CHECK(text.find("utf8: 東京 DC") != std::string::npos);
  CHECK(Inventory::Parse(Inventory().ToYaml(), "e.yaml") == Inventory());
}

TEST_CASE("AddNode and SetScope check their input") {
  Inventory inv;
  Node a;
  a.id = "a";
  a.address = "127.0.0.1";
  a.scopes = {"x/y"};
  Node& added = inv.AddNode(a);
  CHECK(added.id == "a");
  CHECK(inv.FindNode("a") == &inv.nodes()[0]);
  CHECK_THROWS_WITH_AS(inv.AddNode(a), "<input>: node 'a' is defined twice", DefinitionError);
  Node bad = a;
  bad.id = "b c";
  CHECK_THROWS_WITH_AS(inv.AddNode(bad), "<input>: malformed node id 'b c': use letters, digits, '.', '_' and '-'",
                       DefinitionError);
  bad.id = "b";
  bad.address = "";
  CHECK_THROWS_AS(inv.AddNode(bad), DefinitionError);
  bad.address = "b";
  bad.scopes = {"x//y"};
  CHECK_THROWS_AS(inv.AddNode(bad), DefinitionError);
  bad.scopes = {};
  bad.ssh = SshInfo{"ops", 0};
  CHECK_THROWS_AS(inv.AddNode(bad), DefinitionError);
  bad.ssh.reset();
  bad.tags = {{"k=v", "x"}};
  CHECK_THROWS_AS(inv.AddNode(bad), DefinitionError);
  CHECK(inv.nodes().size() == 1);
  inv.SetScope({"x", "first"});
  inv.SetScope({"x", "second"});
  REQUIRE(inv.scopes().size() == 1);
  CHECK(inv.scopes()[0].description == "second");
  CHECK_THROWS_AS(inv.SetScope({"x/", ""}), DefinitionError);
}

TEST_CASE("WriteFileAtomic replaces the file and leaves no temporary files") {
  TempDir dir;
  const std::string path = dir.path() + "/inventory.yaml";
  Inventory::WriteFileAtomic(path, "first\n");
  CHECK(ReadFile(path) == "first\n");
  Inventory::WriteFileAtomic(path, "second\n");
  CHECK(ReadFile(path) == "second\n");
  CHECK(DirEntries(dir.path()) == std::vector<std::string>{"inventory.yaml"});
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);

  // A symlink is followed: the link stays and its target gets the content.
  const std::string target = dir.path() + "/real.yaml";
  const std::string link = dir.path() + "/link.yaml";
  Inventory::WriteFileAtomic(target, "old\n");
  REQUIRE(symlink("real.yaml", link.c_str()) == 0);
  Inventory::WriteFileAtomic(link, "new\n");
  CHECK(ReadFile(target) == "new\n");
  REQUIRE(lstat(link.c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(DirEntries(dir.path()).size() == 3);

  // A file written from ToYaml loads back.
  Inventory inv = Inventory::Load(kExample);
  Inventory::WriteFileAtomic(path, inv.ToYaml());
  CHECK(Inventory::Load(path) == inv);

  CHECK_THROWS_AS(Inventory::WriteFileAtomic(dir.path() + "/missing/inventory.yaml", "x"), RuntimeError);
  CHECK(DirEntries(dir.path()).size() == 3);
}

TEST_CASE("ExpandNodeTemplate fills every placeholder") {
  Inventory inv = Inventory::Load(kExample);
  const Node& db = *inv.FindNode("db01");
  CHECK(Expand("https://{{node.address}}/health", db) == "https://127.0.0.21/health");
  CHECK(Expand("{{node.id}} {{node.name}} {{ node.ssh.user }}@{{node.address}}:{{node.ssh.port}}", db) ==
        "db01 db01.tokyo dba@127.0.0.21:2222");
  CHECK(Expand("{{node.tags.engine}}:{{node.attributes.pg_port}}", db) == "postgresql:5432");
  CHECK(Expand("no placeholders } {", db) == "no placeholders } {");
  CHECK(Expand("", db) == "");
  Node bare;
  bare.id = "bare";
  bare.address = "10.0.0.1";
  CHECK(Expand("{{node.name}}:{{node.ssh.port}}", bare) == "bare:22");  // id and port 22 by default
}

TEST_CASE("ExpandNodeTemplate errors name the placeholder") {
  Inventory inv = Inventory::Load(kExample);
  const Node& web = *inv.FindNode("web01");
  CHECK(ExpandError("http://{{node.adress}}/", web) ==
        "unknown placeholder '{{node.adress}}', did you mean '{{node.address}}'?");
  CHECK(ExpandError("{{node.tags.rol}}", web) == "node 'web01' has no tag 'rol' for '{{node.tags.rol}}', did you mean 'role'?");
  CHECK(ExpandError("{{node.attributes.zone}}", web) ==
        "node 'web01' has no attribute 'zone' for '{{node.attributes.zone}}'");
  CHECK(ExpandError("{{env.HOME}}", web) ==
        "unknown placeholder '{{env.HOME}}'; known placeholders: {{node.id}}, {{node.name}}, "
        "{{node.address}}, {{node.ssh.user}}, {{node.ssh.port}}, {{node.tags.KEY}}, {{node.attributes.KEY}}");
  CHECK(ExpandError("{{node.tags.}}", web).rfind("unknown placeholder '{{node.tags.}}'", 0) == 0);
  CHECK(ExpandError("x {{node.id", web) == "unterminated placeholder '{{node.id': missing '}}'");
  const Node& batch = *inv.FindNode("batch11");
  CHECK(ExpandError("{{node.ssh.user}}", batch) == "node 'batch11' has no ssh user for '{{node.ssh.user}}'");

  std::string err;
  CHECK(CheckNodeTemplate("https://{{node.address}}:{{node.attributes.anything}}/", &err));
  CHECK_FALSE(CheckNodeTemplate("{{node.addres}}", &err));
  CHECK(err == "unknown placeholder '{{node.addres}}', did you mean '{{node.address}}'?");
}

TEST_CASE("DefaultInventoryPath") {
  TempDir dir;
  EnvGuard env;
  env.Set("HOPS_INVENTORY", "/srv/inv.yaml");
  CHECK(DefaultInventoryPath() == "/srv/inv.yaml");
  env.Set("HOPS_INVENTORY", "");
  env.Set("XDG_CONFIG_HOME", dir.path());
  CHECK(DefaultInventoryPath() == "/etc/hops/inventory.yaml");  // the per-user file does not exist
  const std::string hops_dir = dir.path() + "/hops";
  REQUIRE(mkdir(hops_dir.c_str(), 0755) == 0);
  Inventory::WriteFileAtomic(hops_dir + "/inventory.yaml", "nodes: {}\n");
  CHECK(DefaultInventoryPath() == hops_dir + "/inventory.yaml");
  env.Unset("XDG_CONFIG_HOME");
  env.Set("HOME", dir.path() + "/nohome");
  CHECK(DefaultInventoryPath() == "/etc/hops/inventory.yaml");
  unlink((hops_dir + "/inventory.yaml").c_str());
  rmdir(hops_dir.c_str());
}

  TEST_CASE("scope segments from data: one rule keeps raw values visible, escaping only what a segment cannot hold") {
    CHECK(ScopeSegment("ap-northeast-1") == "ap-northeast-1");  // dashes stay dashes
    CHECK(ScopeSegment("my_app.v2") == "my_app.v2");
    CHECK(ScopeSegment("web server") == "web%20server");
    CHECK(ScopeSegment("team/a") == "team%2Fa");
    CHECK(ScopeSegment("50%") == "50%25");
    CHECK(ScopeSegment("..") == "%2E%2E");
    CHECK(ScopeSegment("本") == "%E6%9C%AC");
    CHECK(IsValidScopePath("env/web%20server"));
    CHECK_FALSE(IsValidScopePath("env/50%"));
    CHECK_FALSE(IsValidScopePath("env/a%2f"));  // one spelling: upper-case hex
    // A hand-written inventory may use the escaped names too, and select them.
    const Inventory i = Inventory::Parse(
        "nodes:\n  a: {address: 127.0.0.1, scopes: ['team/ops%20east']}\n", "inv.yaml");
    CHECK(i.Select({"team/ops%20east"}, {}).size() == 1);
    CHECK(i.Select({"team/ops*"}, {}).size() == 1);
  }
}  // TEST_SUITE
