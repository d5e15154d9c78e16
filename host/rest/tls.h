#pragma once
// TLS for the REST listeners: civetweb's OpenSSL made usable once per
// process, and the listener's certificate and key loaded with errors that
// name the worker config key and the file.

#include "host/common/status.h"
#include "host/config/worker_config.h"

namespace sluice::rest {

/// Make civetweb's TLS usable. Idempotent; the first outcome is kept (civetweb
/// cannot retry a failed OpenSSL load).
Status initTls();

/// Load `cfg`'s certificate chain and private key into `sslCtx` (an SSL_CTX*,
/// as civetweb's init_ssl callback passes it) and check that they match.
Status loadCertificate(void* sslCtx, const config::RestConfig& cfg);

}  // namespace sluice::rest
