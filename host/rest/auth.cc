#include "host/rest/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include "host/common/log.h"
#include "host/common/strings.h"

namespace sluice::rest {
namespace {
const log::Tag kTag{"sluice.rest", "", -1};

// Digests have one length whatever the secret's, so comparing them with
// CRYPTO_memcmp takes the same time for every wrong guess.
std::array<unsigned char, 32> digest(const std::string& s) {
  std::array<unsigned char, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

bool startsWithNoCase(const std::string& s, const std::string& prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

std::optional<std::string> base64Decode(const std::string& in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;  // EVP_DecodeBlock counts padding as bytes
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

bool readOnly(const std::string& method) { return method == "GET" || method == "HEAD"; }
}  // namespace

Authenticator::Authenticator(const config::RestConfig& cfg) : metricsAnonymous_(cfg.metricsAnonymous) {
  for (bool basic : {false, true}) {
    for (const auto& c : basic ? cfg.users : cfg.tokens)
      credentials_.push_back(Entry{basic, c.name, digest(c.name), digest(c.secret), c.role});
  }
  if (!cfg.users.empty()) challenges_ = "Basic realm=\"sluice\", charset=\"UTF-8\"";
  if (!cfg.tokens.empty()) challenges_ += std::string(challenges_.empty() ? "" : ", ") + "Bearer realm=\"sluice\"";
}

const Authenticator::Entry* Authenticator::match(bool basic, const std::string& name, const std::string& secret) const {
  // Every entry is compared, so the time taken does not tell which one (or
  // which part) was close.
  Digest n = digest(name), s = digest(secret);
  const Entry* found = nullptr;
  for (const auto& e : credentials_) {
    int diff = CRYPTO_memcmp(s.data(), e.secretDigest.data(), s.size());
    if (basic) diff |= CRYPTO_memcmp(n.data(), e.nameDigest.data(), n.size());
    if (diff == 0 && e.basic == basic && !found) found = &e;
  }
  return found;
}

Response Authenticator::challenge(const std::string& message) const {
  Response r = error(401, message);
  r.headers["WWW-Authenticate"] = challenges_;
  return r;
}

std::optional<Response> Authenticator::check(const Request& req, std::string* who) const {
  who->clear();
  if (!enabled()) return std::nullopt;
  // Probes stay open: load balancers and orchestrators have no credentials.
  if (readOnly(req.method) && (req.path == "/health" || req.path == "/ready" || (metricsAnonymous_ && req.path == "/metrics"))) return std::nullopt;

  std::string auth = strings::trim(req.header("authorization"));
  if (auth.empty()) {
    SLUICE_LOG(kTag, log::Level::kDebug, "refused " + req.method + " " + req.path + " from " + req.remote + ": no credentials");
    return challenge("Authentication required: send a bearer token or basic credentials");
  }
  const Entry* e = nullptr;
  if (startsWithNoCase(auth, "bearer ")) {
    e = match(false, "", strings::trim(auth.substr(7)));
  } else if (startsWithNoCase(auth, "basic ")) {
    auto decoded = base64Decode(strings::trim(auth.substr(6)));
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon != std::string::npos) e = match(true, decoded->substr(0, colon), decoded->substr(colon + 1));
  }
  if (!e) {
    SLUICE_LOG(kTag, log::Level::kWarn, "refused " + req.method + " " + req.path + " from " + req.remote + ": invalid credentials");
    return challenge("Invalid credentials");
  }
  *who = e->name;
  if (e->role != config::Role::kAdmin && !readOnly(req.method)) {
    SLUICE_LOG(kTag, log::Level::kWarn, "refused " + req.method + " " + req.path + " to '" + e->name + "' (role " + config::roleName(e->role) + ")");
    return error(403, "'" + e->name + "' has the " + config::roleName(e->role) + " role, which may only GET and HEAD; " +
                          req.method + " " + req.path + " needs the admin role");
  }
  return std::nullopt;
}

}  // namespace sluice::rest
