// Tiny loopback TCP servers for network tests: a thread that accepts connections and runs a
// handler on each, an HTTP server that answers slowly, and a line-protocol server. (The listener
// that never accepts is in tests/unit/testing/listener.hpp.)
#ifndef HOPS_TESTS_UNIT_TESTING_TEST_SERVER_HPP_
#define HOPS_TESTS_UNIT_TESTING_TEST_SERVER_HPP_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/testing/listener.hpp"

namespace hops::testing {

/// Reads one line (without CR LF) from @p fd, waiting at most @p timeout_ms; false at EOF/timeout.
inline bool ReadLine(int fd, std::string* line, int timeout_ms = 5000) {
  line->clear();
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    if (n <= 0) return false;
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    *line += c;
  }
}

/// Writes all of @p s to @p fd.
inline void WriteStr(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

/// A TCP server on loopback whose thread accepts connections one at a time and runs a handler
/// on each; stopped and joined on destruction.
class ThreadServer {
 public:
  /// Handles one accepted connection (closed by the server afterwards).
  using Handler = std::function<void(int fd)>;

  /// Starts listening on @p addr with @p handler; ok() tells whether it worked.
  explicit ThreadServer(Handler handler, const char* addr = "127.0.0.1")
      : handler_(std::move(handler)) {
    listen_fd_ = ListenLoopback(addr, 64, &port_);
    if (listen_fd_ < 0 || pipe2(stop_, O_CLOEXEC) != 0) return;
    thread_ = std::thread([this] { Loop(); });
  }
  ~ThreadServer() { Stop(); }
  ThreadServer(const ThreadServer&) = delete;
  ThreadServer& operator=(const ThreadServer&) = delete;

  /// True when the server is listening.
  bool ok() const { return thread_.joinable(); }
  /// The port it listens on.
  int port() const { return port_; }
  /// Connections accepted so far.
  int connections() const { return connections_.load(); }

  /// Stops accepting, interrupts the current connection and joins the thread.
  void Stop() {
    if (thread_.joinable()) {
      stopping_ = true;
      (void)!write(stop_[1], "x", 1);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (client_ >= 0) shutdown(client_, SHUT_RDWR);
      }
      thread_.join();
    }
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
    for (int& fd : stop_) {
      if (fd >= 0) close(fd);
      fd = -1;
    }
  }

 private:
  void Loop() {
    for (;;) {
      pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (poll(p, 2, -1) < 0) continue;
      if (p[1].revents) return;
      int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        client_ = c;
      }
      ++connections_;
      if (!stopping_) handler_(c);
      {
        std::lock_guard<std::mutex> lock(mu_);
        client_ = -1;
      }
      close(c);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  std::mutex mu_;
  int client_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
};

/// An HTTP/1.1 server on 127.0.0.1 that answers every request "ok" after a delay, keeping
/// connections alive, one thread per connection; it records the most requests it had at once.
class SlowServer {
 public:
  /// Starts listening; every request is answered @p delay after it arrived.
  explicit SlowServer(std::chrono::milliseconds delay) : delay_(delay) {
    fd_ = ListenLoopback("127.0.0.1", 128, &port_);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~SlowServer() {
    stop_ = true;
    accept_thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (int c : conns_) shutdown(c, SHUT_RDWR);
    for (auto& t : threads_) t.join();
    for (int c : conns_) close(c);
    if (fd_ >= 0) close(fd_);
  }
  SlowServer(const SlowServer&) = delete;
  SlowServer& operator=(const SlowServer&) = delete;
  /// The port it listens on.
  int port() const { return port_; }
  /// The most requests it was answering at once.
  int most_at_once() const { return most_; }
  /// Requests answered so far.
  int requests() const { return requests_; }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      conns_.push_back(c);
      threads_.emplace_back([this, c] { Serve(c); });
    }
  }
  void Serve(int c) {
    std::string buf;
    char chunk[4096];
    while (true) {
      const ssize_t n = recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buf.append(chunk, static_cast<size_t>(n));
      size_t end;
      while ((end = buf.find("\r\n\r\n")) != std::string::npos) {
        buf.erase(0, end + 4);
        const int now = ++busy_;
        for (int seen = most_; now > seen && !most_.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(delay_);
        --busy_;
        ++requests_;
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n";
        if (send(c, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) return;
      }
    }
  }

  std::chrono::milliseconds delay_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> busy_{0};
  std::atomic<int> most_{0};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<int> conns_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

/// Ends a LineServer reply that closes the connection after it is sent.
constexpr char kThenClose = '\x04';

/// A line-protocol server for mail tests: sends @p greeting, then answers each line with what
/// @p reply returns; remembers the lines received.
class LineServer {
 public:
  /// Maps a received line to the reply text (CR LF included); a reply ending in kThenClose (or
  /// empty) ends the session after being sent.
  using Reply = std::function<std::string(const std::string& line)>;

  /// Starts the server.
  LineServer(std::string greeting, Reply reply)
      : greeting_(std::move(greeting)),
        reply_(std::move(reply)),
        server_([this](int fd) { Serve(fd); }) {}

  /// True when listening.
  bool ok() const { return server_.ok(); }
  /// The port it listens on.
  int port() const { return server_.port(); }
  /// Every line received so far, in order.
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  /// Connections accepted so far.
  int connections() const { return server_.connections(); }
  /// Stops the server (before members used by the handler go away).
  ~LineServer() { server_.Stop(); }

 private:
  void Serve(int fd) {
    WriteStr(fd, greeting_);
    std::string line;
    while (ReadLine(fd, &line)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        lines_.push_back(line);
      }
      std::string out = reply_(line);
      bool close_after = out.empty() || out.back() == kThenClose;
      if (!out.empty() && out.back() == kThenClose) out.pop_back();
      WriteStr(fd, out);
      if (close_after) return;
    }
  }

  std::string greeting_;
  Reply reply_;
  std::mutex mu_;
  std::vector<std::string> lines_;
  ThreadServer server_;  // last: its thread uses the members above
};

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_TEST_SERVER_HPP_
