#include "cmd/hscope-sync/sync.hpp"

#include <doctest/doctest.h>

#include "common/yaml_doc.hpp"

namespace hops::scope_sync {
namespace {

Definition Load(const std::string& yaml) { return LoadDefinition(YamlDoc::FromString(yaml, "scopes.yaml")); }

std::string LoadError(const std::string& yaml) {
  try {
    Load(yaml);
  } catch (const DefinitionError& e) {
    return e.loc().Str() + ": " + e.message();
  }
  return "";
}

aws::Instance Inst(const std::string& id, const std::string& name, const std::string& state = "running") {
  aws::Instance i;
  i.id = id;
  i.region = "ap-northeast-1";
  i.az = "ap-northeast-1a";
  i.vpc_id = "vpc-1";
  i.subnet_id = "subnet-a";
  i.state = state;
  i.private_ip = "10.0.0." + id.substr(id.size() - 1);
  if (!name.empty()) i.tags["Name"] = name;
  return i;
}

const char* const kAws = "version: 1\nsources:\n  - type: aws_ec2\n    regions: [ap-northeast-1]\n";

}  // namespace

TEST_CASE("hscope-sync definition: sources, defaults and errors with their position") {
  const Definition d = Load(std::string(kAws) +
                            "    roles: [arn:aws:iam::222222222222:role/read]\n"
                            "  - type: static\n    files: [onprem.yaml]\n"
                            "scopes:\n  - scope: env/{{tag:Env}}\n  - scope: role/web\n    match: {tag:Role: web}\n");
  REQUIRE(d.sources.size() == 2);
  const AwsSource& a = d.sources[0].aws;
  CHECK(a.states == std::vector<std::string>{"pending", "running", "shutting-down", "stopping", "stopped"});
  CHECK(a.hostnames == std::vector<std::string>{"tag:Name", "instance_id"});
  CHECK(a.base_account);
  CHECK(a.roles.size() == 1);
  CHECK(d.sources[1].fixed.files == std::vector<std::string>{"onprem.yaml"});
  CHECK(d.rules.size() == 2);

  CHECK(LoadError("version: 1\nsources:\n  - type: aws_ec3\n") ==
        "scopes.yaml:3:11: unknown source type 'aws_ec3', did you mean 'aws_ec2'?");
  CHECK(LoadError(std::string(kAws) + "    states: [runing]\n") ==
        "scopes.yaml:5:13: unknown state 'runing', did you mean 'running'?");
  CHECK(LoadError(std::string(kAws) + "scopes:\n  - scope: env/{{tag:Env}\n") ==
        "scopes.yaml:6:12: unterminated placeholder in 'env/{{tag:Env}'");
  CHECK(LoadError(std::string(kAws) + "scopes:\n  - scope: env/{{tags:Env}}\n") ==
        "scopes.yaml:6:12: unknown placeholder '{{tags:Env}}'; use {{tag:KEY}}, {{attr:KEY}}, {{platform}}, {{id}} or {{name}}");
  CHECK(LoadError(std::string(kAws) + "scopes:\n  - scope: role/web\n    match: {platfrom: windows}\n") ==
        "scopes.yaml:7:13: unknown condition 'platfrom' in scope 'role/web', did you mean 'platform'?");
  CHECK(LoadError(std::string(kAws) + "scopes:\n  - scope: x\n    match: {name: '(['}\n") ==
        "scopes.yaml:7:19: invalid regex '([': missing ]: [");
}

TEST_CASE("hscope-sync nodes: states, include and exclude (exclude wins), hostnames and automatic scopes") {
  Definition d = Load(std::string(kAws) +
                      "    include: [{tag:Env: [prod, stage]}]\n    exclude: {name: '^tmp-'}\n");
  std::vector<aws::Instance> in = {Inst("i-1", "web-1"), Inst("i-2", "tmp-2"), Inst("i-3", "web 3"),
                                   Inst("i-4", "web-1"), Inst("i-5", "gone", "terminated"), Inst("i-6", "dev")};
  for (auto& i : in) i.tags["Env"] = "prod";
  in[5].tags["Env"] = "dev";
  std::vector<std::string> warnings;
  const auto nodes = InstanceNodes(d.sources[0].aws, in, [&](const std::string& m) { warnings.push_back(m); });
  REQUIRE(nodes.size() == 3);
  // web-1 goes to the lower instance id; "web 3" is no node id, so the instance id stands in.
  CHECK(nodes[0].id == "i-3");
  CHECK(nodes[0].name == "web 3");
  CHECK(nodes[1].id == "i-4");
  CHECK(nodes[1].name == "web-1");
  CHECK(nodes[2].id == "web-1");
  CHECK(nodes[2].name.empty());
  CHECK(nodes[2].address == "10.0.0.1");
  CHECK(nodes[2].attributes.at("cloud_id") == "i-1");
  CHECK(nodes[2].scopes == std::vector<std::string>{"aws/ap-northeast-1/ap-northeast-1a/vpc-1/subnet-a"});
  CHECK(warnings.empty());

  d.sources[0].aws.states = {"terminated"};
  d.sources[0].aws.include.clear();
  CHECK(InstanceNodes(d.sources[0].aws, in, [](const std::string&) {}).size() == 1);
}

TEST_CASE("hscope-sync nodes: a source's ssh login and attributes, literal or from each instance's tags") {
  const Definition d = Load(std::string(kAws) +
                            "    ssh: {user: '{{tag:User}}', port: '{{tag:ssh port}}'}\n"
                            "    attributes: {ssh_key: '/keys/{{attr:region}}.pem', rack: '{{tag:Rack}}', team: ops}\n");
  const AwsSource& a = d.sources[0].aws;
  std::vector<aws::Instance> in = {Inst("i-1", "web-1"), Inst("i-2", "web-2"), Inst("i-3", "web-3"), Inst("i-4", "web-4")};
  in[0].tags = {{"Name", "web-1"}, {"User", "ec2-user"}, {"ssh port", "2201"}, {"Rack", "A1"}};
  in[1].tags["ssh port"] = "22x";   // no port: a warning, port 22
  in[2].tags["User"] = "a b";       // no user: a warning
  std::vector<std::string> warnings;
  const auto nodes = InstanceNodes(a, in, [&](const std::string& m) { warnings.push_back(m); });
  REQUIRE(nodes.size() == 4);
  REQUIRE(nodes[0].ssh);
  CHECK(nodes[0].ssh->user == "ec2-user");
  CHECK(nodes[0].ssh->port == 2201);
  CHECK(nodes[0].attributes.at("ssh_key") == "/keys/ap-northeast-1.pem");
  CHECK(nodes[0].attributes.at("rack") == "A1");
  CHECK(nodes[0].attributes.at("team") == "ops");
  CHECK(nodes[0].attributes.at("cloud_id") == "i-1");
  // Without the tag a placeholder names, the value is not set.
  CHECK_FALSE(nodes[1].ssh);
  CHECK(nodes[1].attributes.count("rack") == 0);
  CHECK(nodes[1].attributes.at("team") == "ops");
  CHECK_FALSE(nodes[2].ssh);
  CHECK_FALSE(nodes[3].ssh);
  CHECK(warnings == std::vector<std::string>{
                        "instance 'i-2' (web-2): ssh port '22x' is not a number from 1 to 65535: port 22 is used",
                        "instance 'i-3' (web-3): malformed ssh user 'a b': it must not contain spaces, '@' or ':': no ssh user set"});
  // Literal values; the ssh mapping is written and its change is a change of the node.
  const Definition lit = Load(std::string(kAws) + "    ssh: {user: admin, port: 2222}\n");
  const auto plain = InstanceNodes(lit.sources[0].aws, {Inst("i-1", "web-1")}, [](const std::string&) {});
  REQUIRE(plain[0].ssh);
  CHECK(plain[0].ssh->user == "admin");
  CHECK(plain[0].ssh->port == 2222);
  inv::Inventory before, after;
  before.AddNode(nodes[3]);
  inv::Node moved = nodes[3];
  moved.ssh = plain[0].ssh;
  after.AddNode(moved);
  REQUIRE(Diff(before, after).size() == 1);
  CHECK(Diff(before, after)[0].fields == std::vector<std::string>{"ssh"});

  CHECK(LoadError(std::string(kAws) + "    ssh: {port: 70000}\n") ==
        "scopes.yaml:5:17: 'port' must be between 1 and 65535, got 70000");
  CHECK(LoadError(std::string(kAws) + "    ssh: {user: 'a@b'}\n") ==
        "scopes.yaml:5:17: malformed ssh user 'a@b': it must not contain spaces, '@' or ':'");
  CHECK(LoadError(std::string(kAws) + "    ssh: {usr: ops}\n") ==
        "scopes.yaml:5:11: unknown key 'usr' in 'ssh' of source 'aws_ec2 #1', did you mean 'user'?");
  CHECK(LoadError(std::string(kAws) + "    ssh: {port: '{{tag:Port}'}\n") ==
        "scopes.yaml:5:17: unterminated placeholder in '{{tag:Port}'");
  CHECK(LoadError(std::string(kAws) + "    attributes: {region: x}\n") ==
        "scopes.yaml:5:18: attribute 'region' of source 'aws_ec2 #1' is set from the instance; give it another name");
  CHECK(LoadError(std::string(kAws) + "    attributes: {key: '{{node.id}}'}\n") ==
        "scopes.yaml:5:23: unknown placeholder '{{node.id}}'; use {{tag:KEY}}, {{attr:KEY}}, {{platform}}, {{id}} or {{name}}");
  CHECK(LoadError(std::string(kAws) + "    attributes: [a]\n") ==
        "scopes.yaml:5:17: 'attributes' of source 'aws_ec2 #1' must be a mapping of names to values, got a list");
}

TEST_CASE("hscope-sync merge: one node found twice is one node, then rule and keyed scopes") {
  const Definition d = Load(std::string(kAws) +
                            "scopes:\n"
                            "  - scope: env/{{tag:Env}}\n"
                            "  - scope: role/web\n    description: web servers\n    match: [{tag:Role: web}, {name: '^www'}]\n"
                            "  - scope: os/{{platform}}\n");
  aws::Instance a = Inst("i-1", "web-1");
  a.tags["Env"] = "prod east";
  a.tags["Role"] = "web";
  a.platform = "windows";
  Found ec2{InstanceNodes(d.sources[0].aws, {a}, [](const std::string&) {}), {}};
  // The same instance again (a second source), and a static node naming it by cloud_id.
  Found again = ec2;
  inv::Node fixed;
  fixed.id = "web-1-static";
  fixed.address = "127.0.0.9";
  fixed.scopes = {"dc/tokyo"};
  fixed.attributes = {{"cloud_id", "i-1"}, {"owner", "ops"}};
  inv::Node onprem;
  onprem.id = "db";
  onprem.address = "127.0.0.10";
  onprem.tags = {{"Env", "prod east"}};
  Found stat{{fixed, onprem}, {{"dc", "the data centre"}}};
  const inv::Inventory out = BuildInventory(d, {ec2, again, stat});
  REQUIRE(out.nodes().size() == 2);
  const inv::Node& db = out.nodes()[0];
  CHECK(db.id == "db");
  CHECK(db.scopes == std::vector<std::string>{"env/prod%20east"});
  const inv::Node& web = out.nodes()[1];
  CHECK(web.id == "web-1");
  CHECK(web.address == "10.0.0.1");
  CHECK(web.attributes.at("owner") == "ops");
  CHECK(web.scopes == std::vector<std::string>{"aws/ap-northeast-1/ap-northeast-1a/vpc-1/subnet-a", "dc/tokyo",
                                               "env/prod%20east", "os/windows", "role/web"});
  REQUIRE(out.scopes().size() == 2);
  CHECK(out.scopes()[0].path == "dc");
  CHECK(out.scopes()[1].description == "web servers");

  // Two instances behind one node id are an error, not a silent merge.
  inv::Node clash = fixed;
  clash.id = "web-1";
  clash.attributes["cloud_id"] = "i-9";
  CHECK_THROWS_WITH_AS(BuildInventory(d, {ec2, Found{{clash}, {}}}),
                       "<input>: node 'web-1' names two instances, 'i-1' and 'i-9': give one a different id or hostnames list",
                       DefinitionError);
}

TEST_CASE("hscope-sync diff: added, removed, moved, state changed and other changes") {
  const inv::Inventory before = inv::Inventory::Parse(
      "nodes:\n"
      "  a: {address: 127.0.0.1, scopes: [x], attributes: {state: running}}\n"
      "  b: {address: 127.0.0.2, scopes: [x]}\n"
      "  c: {address: 127.0.0.3, scopes: [x, y], attributes: {state: running}}\n",
      "before.yaml");
  const inv::Inventory after = inv::Inventory::Parse(
      "nodes:\n"
      "  a: {address: 127.0.0.1, scopes: [x], attributes: {state: stopped}}\n"
      "  c: {address: 127.0.0.4, scopes: [x, z], attributes: {state: running}}\n"
      "  d: {address: 127.0.0.5}\n",
      "after.yaml");
  const std::vector<Change> c = Diff(before, after);
  REQUIRE(c.size() == 4);
  CHECK(c[0].node == "a");
  CHECK(c[0].state_before == "running");
  CHECK(c[0].state_after == "stopped");
  CHECK(c[0].fields.empty());
  CHECK(c[1].node == "b");
  CHECK(c[1].removed);
  CHECK(c[2].node == "c");
  CHECK(c[2].scopes_added == std::vector<std::string>{"z"});
  CHECK(c[2].scopes_removed == std::vector<std::string>{"y"});
  CHECK(c[2].fields == std::vector<std::string>{"address"});
  CHECK(c[3].node == "d");
  CHECK(c[3].added);
  CHECK(Diff(after, after).empty());
}

TEST_CASE("hscope-sync ansible export: the scope tree as nested groups") {
  const inv::Inventory i = inv::Inventory::Parse(
      "nodes:\n"
      "  web-1: {address: 10.0.0.1, ssh: {user: ec2-user, port: 2222}, scopes: [aws/r1/az1, role/web]}\n"
      "  db: {address: 10.0.0.2, scopes: [aws/r1]}\n",
      "inv.yaml");
  CHECK(AnsibleYaml(i) ==
        "# Ansible inventory written by hscope-sync: groups are hops scope paths.\n"
        "all:\n"
        "  hosts:\n"
        "    web-1:\n      ansible_host: 10.0.0.1\n      ansible_port: 2222\n      ansible_user: ec2-user\n"
        "    db:\n      ansible_host: 10.0.0.2\n"
        "  children:\n"
        "    aws:\n      children:\n"
        "        aws/r1:\n          hosts:\n            db: {}\n          children:\n"
        "            aws/r1/az1:\n              hosts:\n                web-1: {}\n"
        "    role:\n      children:\n        role/web:\n          hosts:\n            web-1: {}\n");
}

}  // namespace hops::scope_sync

namespace hops::scope_sync {

TEST_CASE("hscope-sync: the example definition loads") {
  const Definition d = LoadDefinition(YamlDoc::FromFile(HOPS_SOURCE_DIR "/examples/scopes.yaml"));
  REQUIRE(d.sources.size() == 2);
  CHECK(d.sources[0].aws.roles.size() == 1);
  CHECK(d.sources[0].aws.exclude.size() == 2);
  CHECK(d.sources[1].fixed.files == std::vector<std::string>{HOPS_SOURCE_DIR "/examples/inventory.yaml"});
  CHECK(d.rules.size() == 5);
  // Its static file is a valid inventory, merged as it is.
  Found f;
  const inv::Inventory onprem = inv::Inventory::Load(d.sources[1].fixed.files[0]);
  for (const inv::Node& n : onprem.nodes()) f.nodes.push_back(n);
  CHECK(BuildInventory(d, {f}).nodes().size() == f.nodes.size());
}

}  // namespace hops::scope_sync
