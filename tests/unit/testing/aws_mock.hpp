// The EC2/STS/IMDS mock (tests/peers/ec2_mock.py) as a test peer: started on 127.0.0.1 with a
// port the kernel picks, asked for its counters, stopped by pid.
#ifndef HOPS_TESTS_UNIT_TESTING_AWS_MOCK_HPP_
#define HOPS_TESTS_UNIT_TESTING_AWS_MOCK_HPP_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/testing/peer.hpp"

namespace hops::testing {

/// A running ec2_mock.py.
class AwsMock {
 public:
  /// The access key and secret the mock accepts unless told otherwise.
  static constexpr const char* kKeyId = "AKIAMOCKEXAMPLE00001";
  static constexpr const char* kSecret = "mock/Secret+Key/0123456789abcdefEXAMPLE";

  /// Starts the mock with @p args (see its --help); nullptr and *@p err on failure.
  static std::unique_ptr<AwsMock> Start(const std::vector<std::string>& args, std::string* err);
  /// Start() in a test case: a mock that does not start fails the test (with the reason).
  static std::unique_ptr<AwsMock> StartForTest(const std::vector<std::string>& args);
  /// The port it listens on.
  int port() const { return port_; }
  /// "http://127.0.0.1:PORT/".
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  /// Its counters (GET /_mock/stats).
  nlohmann::json Stats() const;
  /// Changes its fault injection (POST /_mock/config).
  void Configure(const nlohmann::json& config) const;
  /// The mock's log so far (stdout and stderr), for failure messages.
  std::string Log() const;

 private:
  std::unique_ptr<Peer> peer_;
  std::string dir_;
  int port_ = 0;
};

/// The path of tests/peers/ec2_mock.py.
std::string AwsMockScript();

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_AWS_MOCK_HPP_
