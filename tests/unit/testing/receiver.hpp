// A recording HTTP receiver on 127.0.0.1 for notification tests: tests/unit/testing/
// http_receiver.py started as a peer. It logs every request and answers as its plan says (ok,
// 500, 429 with Retry-After, a Slack-style body, a delay, or never), and can be stopped and started
// again on the same port to stand for an outage.
#ifndef HOPS_TESTS_UNIT_TESTING_RECEIVER_HPP_
#define HOPS_TESTS_UNIT_TESTING_RECEIVER_HPP_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/testing/peer.hpp"

namespace hops::testing {

/// The receiver; stopped when destroyed.
class Receiver {
 public:
  /// Picks a port and a directory for the log and the plan; Start() starts it.
  Receiver();
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  /// Starts (or starts again) listening on port(); false with *@p err when it did not.
  bool Start(std::string* err);
  /// Stops it: the port refuses connections until Start.
  void Stop();
  /// Sets the plan (see http_receiver.py): "ok", "500*2 ok", "429:3 ok", "hang", ...
  void SetPlan(const std::string& plan);
  /// The port it listens on.
  int port() const { return port_; }
  /// "http://127.0.0.1:PORT" + @p path.
  std::string Url(const std::string& path = "/hook") const;
  /// Every request logged so far, in arrival order.
  std::vector<nlohmann::json> Requests() const;
  /// The requests that were answered with a 2xx status.
  std::vector<nlohmann::json> Delivered() const;

 private:
  std::string dir_;
  int port_;
  std::unique_ptr<Peer> peer_;
};

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_RECEIVER_HPP_
