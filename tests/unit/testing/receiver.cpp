#include "tests/unit/testing/receiver.hpp"

#include <cstdio>
#include <fstream>

namespace hops::testing {

Receiver::Receiver() : dir_(MakeTempDir("hops-receiver")), port_(FreePort()) {}

Receiver::~Receiver() { Stop(); }

bool Receiver::Start(std::string* err) {
  Stop();
  const std::string script = std::string(HOPS_SOURCE_DIR) + "/tests/unit/testing/http_receiver.py";
  peer_ = Peer::Start({"python3", script, std::to_string(port_), dir_ + "/requests.jsonl", dir_ + "/plan"}, port_,
                      dir_ + "/receiver.log", err);
  return peer_ != nullptr;
}

void Receiver::Stop() {
  if (peer_) peer_->Stop();
  peer_.reset();
}

void Receiver::SetPlan(const std::string& plan) {
  // Written whole and renamed, so the receiver never reads half a plan.
  WriteFile(dir_ + "/plan.tmp", plan + "\n");
  std::rename((dir_ + "/plan.tmp").c_str(), (dir_ + "/plan").c_str());
}

std::string Receiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<nlohmann::json> Receiver::Requests() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir_ + "/requests.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::vector<nlohmann::json> Receiver::Delivered() const {
  std::vector<nlohmann::json> out;
  for (auto& r : Requests())
    if (r["status"].is_number() && r["status"].get<int>() / 100 == 2) out.push_back(std::move(r));
  return out;
}

}  // namespace hops::testing
