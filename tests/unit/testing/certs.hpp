// Test certificates made with the openssl command line tool.
#ifndef HOPS_TESTS_UNIT_TESTING_CERTS_HPP_
#define HOPS_TESTS_UNIT_TESTING_CERTS_HPP_

#include <string>
#include <vector>

namespace hops::testing {

/// Runs the openssl CLI with @p args; "" on success, else a message with its output.
std::string Openssl(const std::vector<std::string>& args);

/// Makes a test CA in @p dir (ca.crt, ca.key) and server certificates signed by it: good
/// (localhost and 127.0.0.1, 365 days), soon (5 days), wrong (wrong.example only) and expired
/// (2020); "" on success, else why not.
std::string MakeCerts(const std::string& dir);

/// Makes a client certificate (client.crt, client.key; CN=client, 30 days) signed by the test CA
/// MakeCerts made in @p dir; "" on success, else why not.
std::string MakeClientCert(const std::string& dir);

/// Makes @p dir/@p name.key and @p name.crt (CN=@p name) signed by the test CA in @p dir, with
/// the extension lines @p extensions (EKU, SAN) and the `openssl ca` options @p validity.
std::string SignLeaf(const std::string& dir, const std::string& name, const std::string& extensions,
                     const std::vector<std::string>& validity);

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_CERTS_HPP_
