// The arithmetic of the ping monitor type, exposed so loss and jitter can be tested without losing
// packets.
#ifndef HOPS_COMMON_CHECK_PING_HPP_
#define HOPS_COMMON_CHECK_PING_HPP_

#include <string>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"

namespace hops::mon {

/// Round-trip statistics of one ping run; times in milliseconds, NaN when there was no reply.
struct PingStats {
  int sent = 0;       ///< echo requests sent
  int received = 0;   ///< replies received in time
  double loss = 100;  ///< percentage of requests without a reply in time
  double rta = 0;     ///< average round trip
  double rtmin = 0;   ///< fastest round trip
  double rtmax = 0;   ///< slowest round trip
  double jitter = 0;  ///< mean absolute difference of consecutive round trips (0 for one reply)
};

/// Summarises the round trips @p rtts_ms (replies in sending order) of @p sent requests.
PingStats SummarizeRtts(int sent, const std::vector<double>& rtts_ms);

/// Sets state, summary and perfdata (rta, rtmax, loss, jitter) of @p result for @p stats of
/// pinging @p host: CRITICAL "no reply" without replies, else OK; thresholds are not applied.
void FillPingResult(const std::string& host, const PingStats& stats, CheckResult* result);

}  // namespace hops::mon

#endif  // HOPS_COMMON_CHECK_PING_HPP_
