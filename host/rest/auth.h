#pragma once
// REST authentication and roles (rest.auth.*): bearer tokens and HTTP basic
// users, each with the read role (GET and HEAD) or admin (everything).
// Decided from the request line and headers alone, before any body is read,
// so a refused request changes nothing and costs little.

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "host/config/worker_config.h"
#include "host/rest/http.h"

namespace sluice::rest {

class Authenticator {
 public:
  /// Open (everything allowed) when `cfg` has no tokens and no users.
  explicit Authenticator(const config::RestConfig& cfg);

  bool enabled() const { return !credentials_.empty(); }

  /// nullopt when the request may go on (`*who` names the caller, or is
  /// empty for an open path); otherwise the 401 or 403 answer to send.
  std::optional<Response> check(const Request& req, std::string* who) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Entry {
    bool basic = false;  // a user (basic) or a token (bearer)
    std::string name;
    Digest nameDigest{};
    Digest secretDigest{};
    config::Role role = config::Role::kRead;
  };
  const Entry* match(bool basic, const std::string& name, const std::string& secret) const;
  Response challenge(const std::string& message) const;

  std::vector<Entry> credentials_;  // only digests: no secret is kept here
  bool metricsAnonymous_ = false;
  std::string challenges_;  // WWW-Authenticate
};

}  // namespace sluice::rest
