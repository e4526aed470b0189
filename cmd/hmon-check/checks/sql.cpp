// The sql check: connects to PostgreSQL with libpq, runs one query and checks its result
// (check_pgsql parity: connection time, the first column of the first row as a number).
//
// The target is host, host:port, [IPv6]:port or a Unix socket directory (/run/postgresql).
// Connection parameters are passed as separate libpq keywords (never a conninfo string built from
// text), so no value can inject another parameter. The password comes only from `password_env`
// or `password_file` (libpq's own PGPASSWORD and ~/.pgpass still work) and is never reported.
//
// Following the Nagios convention for a service check (check_pgsql, check_tcp), a refused or
// failed connection, a query error, an unexpected value or row count, and a timeout are CRITICAL.
// The timeout is enforced on the client with the asynchronous libpq API (connect, then query,
// then a cancel request) and also sent to the server as statement_timeout; host name resolution
// inside libpq is not interruptible. Parameter problems found only at run time (an unset password
// variable, an unreadable password file, a non-numeric value with thresholds on it) are UNKNOWN.
#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "cmd/hmon-check/checks/check.hpp"
#include "common/secret.hpp"
#include "common/socket.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;

constexpr const char* kSslModes[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};

/// A text cut to @p max bytes on one line, for messages.
std::string OneLine(std::string s, size_t max = 200) {
  const size_t nl = s.find('\n');
  if (nl != std::string::npos) s.erase(nl);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

/// host and port of a target; port is "" when the target has none.
struct Endpoint {
  std::string host;
  std::string port;
};

bool ValidPort(const std::string& s) {
  return s.find_first_not_of("0123456789") == std::string::npos && ParseLong(s, 1, 65535);
}

/// Splits host[:port], [v6]:port, a bare IPv6 address or a socket directory; "" or a message.
std::string ParseTarget(const std::string& target, Endpoint* ep) {
  if (target.empty()) return "'target' is missing: give host[:port] or a Unix socket directory";
  if (target[0] == '/') {
    ep->host = target;
    return "";
  }
  if (target[0] == '[') {
    const size_t close = target.find(']');
    if (close == std::string::npos) return "'target' " + Quote(target) + " lacks the closing ']'";
    ep->host = target.substr(1, close - 1);
    const std::string rest = target.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':' || !ValidPort(rest.substr(1)))
        return "'target' " + Quote(target) + " has a bad port";
      ep->port = rest.substr(1);
    }
    return ep->host.empty() ? "'target' " + Quote(target) + " has no host" : "";
  }
  const size_t colon = target.find(':');
  if (colon != std::string::npos && target.find(':', colon + 1) == std::string::npos) {
    ep->host = target.substr(0, colon);
    ep->port = target.substr(colon + 1);
    if (ep->host.empty()) return "'target' " + Quote(target) + " has no host";
    if (!ValidPort(ep->port)) return "'target' " + Quote(target) + " has a bad port";
    return "";
  }
  ep->host = target;  // a host name, or an IPv6 address without brackets or port
  return "";
}

void IgnoreNotice(void*, const char*) {}

/// Owns a PGconn.
struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;

class SqlCheck : public CheckType {
 public:
  std::string Name() const override { return "sql"; }
  std::vector<std::string> ParamKeys() const override {
    return {"database", "user", "password_env", "password_file", "port", "query",
            "expect", "expect_rows", "sslmode"};
  }
  std::vector<std::string> Measures() const override { return {"time", "value", "rows"}; }

  std::string Validate(const CheckSpec& spec) const override {
    const Params& p = spec.params;
    Endpoint ep;
    if (std::string err = ParseTarget(spec.target, &ep); !err.empty()) return err;
    if (auto v = p.Get("port")) {
      if (!ValidPort(*v)) return "'port' must be a number from 1 to 65535, not " + Quote(*v);
      if (!ep.port.empty()) return "the port is given twice: in 'target' and in 'port'";
    }
    for (const char* key : {"database", "user", "password_env", "password_file", "query"}) {
      if (auto v = p.Get(key); v && v->empty()) return "'" + std::string(key) + "' is empty";
    }
    if (p.Has("password_env") && p.Has("password_file"))
      return "'password_env' and 'password_file' cannot be used together";
    if (auto v = p.Get("expect_rows")) {
      if (v->empty() || v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos)
        return "'expect_rows' must be a whole number, not " + Quote(*v);
    }
    if (auto v = p.Get("sslmode")) {
      bool ok = false;
      for (const char* m : kSslModes) ok = ok || *v == m;
      if (!ok)
        return "'sslmode' must be disable, allow, prefer, require, verify-ca or verify-full, not " +
               Quote(*v);
    }
    return "";
  }

  CheckResult Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const override {
    const auto start = Clock::now();
    CheckResult r = Query(spec, start);
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return r;
  }

 private:
  CheckResult Query(const CheckSpec& spec, Clock::time_point start) const {
    CheckResult r;
    r.state = State::kUnknown;
    const Params& p = spec.params;
    Endpoint ep;
    if (std::string err = ParseTarget(spec.target, &ep); !err.empty()) {
      r.summary = err;
      return r;
    }
    if (ep.port.empty()) ep.port = p.Get("port").value_or("");
    const std::string where = spec.target + (spec.target.find(':') == std::string::npos &&
                                                     !ep.port.empty() ? ":" + ep.port : "");

    std::optional<std::string> password;
    for (const char* key : {"password_env", "password_file"}) {
      auto name = p.Get(key);
      if (!name) continue;
      std::string err;
      password = ReadSecret(key, *name, &err);
      if (!password) {
        r.summary = err;
        return r;
      }
      break;
    }

    const int64_t timeout_ms = spec.timeout.count();
    const std::string connect_timeout = std::to_string(std::max<int64_t>(2, (timeout_ms + 999) / 1000));
    const std::string options = "-c statement_timeout=" + std::to_string(std::max<int64_t>(1, timeout_ms));
    std::vector<const char*> keys, values;
    auto add = [&keys, &values](const char* k, const std::string& v) {
      keys.push_back(k);
      values.push_back(v.c_str());
    };
    const std::string database = p.Get("database").value_or("");
    const std::string user = p.Get("user").value_or("");
    const std::string sslmode = p.Get("sslmode").value_or("");
    add("host", ep.host);
    if (!ep.port.empty()) add("port", ep.port);
    if (!database.empty()) add("dbname", database);
    if (!user.empty()) add("user", user);
    if (password) add("password", *password);
    if (!sslmode.empty()) add("sslmode", sslmode);
    add("connect_timeout", connect_timeout);
    add("options", options);
    static const std::string kAppName = "hmon-check";
    add("fallback_application_name", kAppName);
    keys.push_back(nullptr);
    values.push_back(nullptr);

    r.details["host"] = ep.host;
    if (!ep.port.empty()) r.details["port"] = ep.port;
    if (!database.empty()) r.details["database"] = database;
    if (!user.empty()) r.details["user"] = user;

    const auto deadline = start + spec.timeout;
    ConnPtr conn(PQconnectStartParams(keys.data(), values.data(), 0));
    if (!conn) {
      r.state = State::kCritical;
      r.summary = "cannot allocate a PostgreSQL connection";
      return r;
    }
    PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
    auto conn_error = [&]() { return OneLine(PQerrorMessage(conn.get())); };
    if (PQstatus(conn.get()) == CONNECTION_BAD) {
      r.state = State::kCritical;
      r.summary = "cannot connect to " + where + ": " + conn_error();
      return r;
    }
    PostgresPollingStatusType poll_state = PGRES_POLLING_WRITING;
    while (poll_state != PGRES_POLLING_OK) {
      if (poll_state == PGRES_POLLING_FAILED) {
        r.state = State::kCritical;
        r.summary = "cannot connect to " + where + ": " + conn_error();
        return r;
      }
      const short events = poll_state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
      if (!WaitFd(PQsocket(conn.get()), events, deadline)) {
        r.state = State::kCritical;
        r.summary = "connection to " + where + " timed out after " + FormatDuration(spec.timeout);
        return r;
      }
      poll_state = PQconnectPoll(conn.get());
    }

    const std::string query = p.Get("query").value_or("SELECT 1");
    if (!PQsendQuery(conn.get(), query.c_str())) {
      r.state = State::kCritical;
      r.summary = "cannot send the query to " + where + ": " + conn_error();
      return r;
    }
    std::string query_error;
    bool have_tuples = false;
    int64_t rows = 0;
    std::optional<std::string> first_value;  // nullopt: no row, or SQL NULL
    bool first_is_null = false;
    while (true) {
      while (PQisBusy(conn.get())) {
        if (!WaitFd(PQsocket(conn.get()), POLLIN, deadline)) {
          if (PGcancel* cancel = PQgetCancel(conn.get())) {
            char buf[256];
            PQcancel(cancel, buf, sizeof buf);
            PQfreeCancel(cancel);
          }
          r.state = State::kCritical;
          r.summary = "query timed out after " + FormatDuration(spec.timeout) + " on " + where;
          return r;
        }
        if (!PQconsumeInput(conn.get())) break;
      }
      PGresult* res = PQgetResult(conn.get());
      if (!res) break;
      const ExecStatusType st = PQresultStatus(res);
      if (st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE) {
        have_tuples = true;
        rows = PQntuples(res);
        first_value.reset();
        first_is_null = false;
        if (rows > 0 && PQnfields(res) > 0) {
          if (PQgetisnull(res, 0, 0)) first_is_null = true;
          else first_value = std::string(PQgetvalue(res, 0, 0), static_cast<size_t>(PQgetlength(res, 0, 0)));
        }
      } else if (st == PGRES_COMMAND_OK) {
        if (!have_tuples) rows = std::atoll(PQcmdTuples(res));
      } else if (st != PGRES_EMPTY_QUERY && query_error.empty()) {
        const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        query_error = OneLine(primary ? primary : PQresultErrorMessage(res));
        if (query_error.empty()) query_error = OneLine(PQerrorMessage(conn.get()));
        if (query_error.empty()) query_error = PQresStatus(st);
      }
      PQclear(res);
    }
    if (query_error.empty() && PQstatus(conn.get()) == CONNECTION_BAD) query_error = conn_error();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    Perfdata time;
    time.label = "time";
    time.value = std::round(seconds * 1e6) / 1e6;
    time.uom = "s";
    time.min = 0.0;
    r.details["time"] = time.value;
    if (!query_error.empty()) {
      r.state = State::kCritical;
      r.summary = "query failed on " + where + ": " + query_error;
      r.perfdata.push_back(time);
      return r;
    }

    r.state = State::kOk;
    r.perfdata.push_back(time);
    Perfdata rows_perf;
    rows_perf.label = "rows";
    rows_perf.value = static_cast<double>(rows);
    rows_perf.min = 0.0;
    r.details["rows"] = rows;
    std::optional<double> numeric;
    if (first_value) {
      const char* b = first_value->c_str();
      char* e = nullptr;
      errno = 0;
      const double v = std::strtod(b, &e);
      if (e != b && *e == '\0' && errno == 0 && std::isfinite(v)) numeric = v;
      r.details["value"] = first_value->substr(0, 200);
    } else if (first_is_null) {
      r.details["value"] = nullptr;
    }
    if (numeric) {
      Perfdata value;
      value.label = "value";
      value.value = *numeric;
      r.perfdata.push_back(value);
    }
    r.perfdata.push_back(rows_perf);

    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", seconds);
    r.summary = std::to_string(rows) + (rows == 1 ? " row in " : " rows in ") + secs + " s";
    const std::string shown = first_value ? OneLine(*first_value, 80) : first_is_null ? "NULL" : "";
    if (have_tuples && rows > 0) r.summary += ", value " + (first_value ? Quote(shown) : shown);

    std::vector<std::string> problems;
    if (auto expect = p.Get("expect")) {
      if (!first_value || *first_value != *expect) {
        problems.push_back(
            (have_tuples && rows > 0 ? "value " + (first_value ? Quote(shown) : shown) : std::string("no rows")) +
            ", expected " + Quote(OneLine(*expect, 80)));
      }
    }
    if (auto er = p.Get("expect_rows")) {
      const int64_t want = std::atoll(er->c_str());
      if (rows != want) problems.push_back(std::to_string(rows) + (rows == 1 ? " row" : " rows") +
                                           ", expected " + std::to_string(want));
    }
    if (!problems.empty()) {
      r.state = State::kCritical;
      for (const auto& pr : problems) r.summary += "; " + pr;
    }
    if (!numeric && spec.thresholds.count("value")) {
      r.state = nagios::WorstOf(r.state, State::kUnknown);
      r.summary += "; cannot apply the 'value' thresholds: " +
                   (first_value ? "the value " + Quote(shown) + " is not a number"
                                : std::string(first_is_null ? "the value is NULL" : "no value"));
    }
    ApplyThresholds(spec.thresholds, &r);
    return r;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeSqlCheck() { return std::make_unique<SqlCheck>(); }

}  // namespace hops::mon
