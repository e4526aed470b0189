// Checks run as requests of the HTTP layer (common/http): the http, https, smtp, imap, pop3 and
// ftp types prepare one request per check and judge its response, all of a batch in one Runner.
#ifndef HOPS_CMD_HMON_CHECK_CHECKS_REQUESTS_HPP_
#define HOPS_CMD_HMON_CHECK_CHECKS_REQUESTS_HPP_

#include <memory>
#include <utility>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "common/http.hpp"

namespace hops::mon {

/// Runs @p specs in one http::Runner with @p options, taking each spec when its check starts and
/// dropping it (and its State) as soon as the result is made. For check i, @p prepare is called as
/// prepare(spec, State*, http::Request*, CheckResult* failed): it fills the request and the
/// check's own State (what @p complete needs later, such as its secrets), or fills *failed and
/// returns false when the check cannot run. complete(spec, const State&, const http::Response&)
/// returns the check's result. @p done gets each check's result once, in completion order; a
/// State lives only while its check is in flight.
template <typename State, typename Prepare, typename Complete>
void RunRequests(const SpecSource& specs, const http::RunnerOptions& options, const Prepare& prepare,
                 const Complete& complete, const DoneFn& done) {
  if (specs.size() == 0) return;
  http::Runner runner(options);
  struct InFlight {
    std::shared_ptr<const CheckSpec> spec;
    State state;
  };
  std::vector<std::unique_ptr<InFlight>> started(specs.size());
  runner.Run(
      specs.size(),
      [&](size_t i, http::Request* request) {
        auto f = std::make_unique<InFlight>();
        f->spec = specs.Get(i);
        CheckResult failed;
        if (!prepare(*f->spec, &f->state, request, &failed)) {
          f.reset();  // what it holds goes before the result is handed on
          done(i, std::move(failed));
          return false;
        }
        started[i] = std::move(f);
        return true;
      },
      [&](size_t i, http::Response response) {
        std::unique_ptr<InFlight> f = std::move(started[i]);
        CheckResult r = complete(*f->spec, f->state, response);
        f.reset();
        done(i, std::move(r));
      });
}

}  // namespace hops::mon

#endif  // HOPS_CMD_HMON_CHECK_CHECKS_REQUESTS_HPP_
