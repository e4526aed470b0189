#include "tests/unit/testing/nginx.hpp"

namespace hops::testing {

std::unique_ptr<Peer> StartNginx(const std::string& dir, std::vector<NginxServer>* servers, std::string* err) {
  if (servers->empty()) {
    *err = "no nginx server configured";
    return nullptr;
  }
  // A port another test's server takes between FreePort and nginx's bind makes nginx exit: try
  // again on fresh ports.
  for (int attempt = 1;; ++attempt) {
    std::string conf = "worker_processes 1;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n"
                       "  default_type text/plain;\n  keepalive_requests 100000;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      conf += std::string("  ") + t + "_temp_path " + dir + "/" + t + ";\n";
    for (NginxServer& s : *servers) {
      s.port = FreePort();
      conf += "  server { listen 127.0.0.1:" + std::to_string(s.port) + (s.cert.empty() ? "" : " ssl") + s.listen + ";";
      if (!s.cert.empty())
        conf += " ssl_certificate " + dir + "/" + s.cert + ".crt; ssl_certificate_key " + dir + "/" + s.cert + ".key;";
      conf += "\n" + s.body + "\n  }\n";
    }
    conf += "}\n";
    WriteFile(dir + "/nginx.conf", conf);
    auto peer = Peer::Start({"nginx", "-p", dir, "-e", dir + "/error.log", "-c", dir + "/nginx.conf", "-g",
                             "daemon off; pid " + dir + "/nginx.pid; error_log " + dir + "/error.log;"},
                            servers->front().port, dir + "/nginx.out", err);
    if (peer || attempt == 3 || err->find("exited before listening") == std::string::npos) return peer;
  }
}

}  // namespace hops::testing
