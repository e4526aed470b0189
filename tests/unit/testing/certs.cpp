#include "tests/unit/testing/certs.hpp"

#include <filesystem>

#include "tests/unit/testing/peer.hpp"

namespace hops::testing {

// Runs the openssl CLI; "" or a message with its output.
std::string Openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  if (RunCommand(argv, &out) != 0) return "openssl " + args.front() + " failed: " + out;
  return "";
}

std::string SignLeaf(const std::string& dir, const std::string& name, const std::string& extensions,
                     const std::vector<std::string>& validity) {
  const std::string base = dir + "/" + name;
  WriteFile(base + ".ext", "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n" + extensions + "\n");
  std::string err = Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + name});
  if (!err.empty()) return err;
  std::vector<std::string> sign = {"ca", "-batch", "-notext", "-config", dir + "/ca.cnf", "-in", base + ".csr",
                                   "-out", base + ".crt", "-extfile", base + ".ext"};
  sign.insert(sign.end(), validity.begin(), validity.end());
  return Openssl(sign);
}

// A test CA in @p dir (ca.crt) and server certificates signed by it: good (localhost and
// 127.0.0.1, 365 days), soon (5 days), wrong (wrong.example only) and expired (2020).
std::string MakeCerts(const std::string& dir) {
  std::filesystem::create_directories(dir + "/newcerts");
  WriteFile(dir + "/index.txt", "");
  WriteFile(dir + "/serial", "1000\n");
  WriteFile(dir + "/ca.cnf",
                "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = " + dir + "/index.txt\nnew_certs_dir = " + dir +
                    "/newcerts\ncertificate = " + dir + "/ca.crt\nprivate_key = " + dir + "/ca.key\nserial = " + dir +
                    "/serial\ndefault_md = sha256\npolicy = policy_any\nunique_subject = no\n"
                    "[policy_any]\ncommonName = supplied\n");
  std::string err = Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", dir + "/ca.key", "-out", dir + "/ca.crt", "-days", "3650", "-subj",
                             "/CN=hops test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                             "keyUsage=critical,keyCertSign,cRLSign"});
  if (!err.empty()) return err;
  struct Leaf {
    const char* name;
    const char* san;
    std::vector<std::string> validity;
  };
  const Leaf leaves[] = {
      {"good", "DNS:localhost, IP:127.0.0.1", {"-days", "365"}},
      {"soon", "DNS:localhost, IP:127.0.0.1", {"-days", "5"}},
      {"wrong", "DNS:wrong.example", {"-days", "365"}},
      {"expired", "DNS:localhost, IP:127.0.0.1", {"-startdate", "20200101000000Z", "-enddate", "20200201000000Z"}},
  };
  for (const Leaf& leaf : leaves) {
    err = SignLeaf(dir, leaf.name, std::string("extendedKeyUsage = serverAuth\nsubjectAltName = ") + leaf.san,
                   leaf.validity);
    if (!err.empty()) return err;
  }
  return "";
}

std::string MakeClientCert(const std::string& dir) {
  return SignLeaf(dir, "client", "extendedKeyUsage = clientAuth", {"-days", "30"});
}

}  // namespace hops::testing
