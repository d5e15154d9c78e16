#include "host/rest/tls.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/dll/runtime_symbol_info.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>

namespace sluice::rest {
namespace fs = std::filesystem;
namespace {

// See openssl3_compat.c: found next to the binary (build tree and
// <prefix>/lib installs) or where `make install` put it.
std::string compatModule() {
  fs::path bin = fs::path(boost::dll::program_location().string()).parent_path();
  for (fs::path candidate : {bin.parent_path() / "lib" / "sluice" / SLUICE_OPENSSL3_COMPAT_NAME,
                             fs::path(SLUICE_OPENSSL3_COMPAT_INSTALLED)}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  return "";
}

std::string opensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Status unreadable(const char* key, const std::string& path) {
  std::ifstream in(path);
  if (in) return Status::ok();
  return Status::invalid("worker config '" + std::string(key) + "': cannot read " + path + ": " + std::strerror(errno));
}

int passwordCallback(char* buf, int size, int, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  if (!password || password->empty() || static_cast<int>(password->size()) >= size) return 0;
  std::memcpy(buf, password->data(), password->size());
  return static_cast<int>(password->size());
}

}  // namespace

Status initTls() {
  static std::mutex mu;
  static std::optional<Status> outcome;
  std::lock_guard<std::mutex> lock(mu);
  if (outcome) return *outcome;
  if (!mg_check_feature(MG_FEATURES_TLS)) {
    outcome = Status::invalid("this civetweb was built without TLS support; https:// listeners are not available");
    return *outcome;
  }
  std::string compat = compatModule();
  std::string compatNote;
  if (compat.empty()) compatNote = " (the OpenSSL 3 compatibility module " SLUICE_OPENSSL3_COMPAT_NAME " was not found)";
  else if (!dlopen(compat.c_str(), RTLD_NOW | RTLD_LOCAL)) compatNote = std::string(" (") + dlerror() + ")";
  if (!(mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS))
    outcome = Status::invalid("civetweb could not load OpenSSL (libssl.so and libcrypto.so, from libssl-dev)" + compatNote);
  else
    outcome = Status::ok();
  return *outcome;
}

Status loadCertificate(void* sslCtx, const config::RestConfig& cfg) {
  auto* ctx = static_cast<SSL_CTX*>(sslCtx);
  ERR_clear_error();
  if (auto s = unreadable(config::kTlsCertificateKey, cfg.tlsCertificateLocation); !s) return s;
  if (auto s = unreadable(config::kTlsKeyKey, cfg.tlsKeyLocation); !s) return s;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cfg.tlsCertificateLocation.c_str()) != 1)
    return Status::invalid("worker config '" + std::string(config::kTlsCertificateKey) + "': " + cfg.tlsCertificateLocation +
                           " is not a PEM certificate: " + opensslError());
  SSL_CTX_set_default_passwd_cb(ctx, passwordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&cfg.tlsKeyPassword));
  bool loaded = SSL_CTX_use_PrivateKey_file(ctx, cfg.tlsKeyLocation.c_str(), SSL_FILETYPE_PEM) == 1;
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  // OpenSSL checks the key against the certificate while loading it, too.
  bool mismatch = loaded ? SSL_CTX_check_private_key(ctx) != 1
                         : ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
  if (mismatch)
    return Status::invalid("worker config '" + std::string(config::kTlsKeyKey) + "': the key in " + cfg.tlsKeyLocation +
                           " does not match the certificate in " + cfg.tlsCertificateLocation + " ('" +
                           config::kTlsCertificateKey + "')");
  if (!loaded)
    return Status::invalid("worker config '" + std::string(config::kTlsKeyKey) + "': cannot load a PEM private key from " +
                           cfg.tlsKeyLocation + " (encrypted keys need '" + config::kTlsKeyPasswordKey + "'): " + opensslError());
  return Status::ok();
}

}  // namespace sluice::rest
