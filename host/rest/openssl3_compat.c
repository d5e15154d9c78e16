/* Lets civetweb 1.15 (Debian 12's libcivetweb) serve TLS with OpenSSL 3.
 *
 * That civetweb loads OpenSSL at run time with dlopen("libssl.so") and looks
 * up OpenSSL 1.1's names; OpenSSL 3 no longer exports
 * SSL_get_peer_certificate (it became a macro for SSL_get1_peer_certificate),
 * so civetweb's TLS set-up fails (upstream civetweb issue #1334).
 *
 * This module is linked with the soname "libssl.so", depends on the real
 * libssl.so.3 and exports the old name. The host dlopens it by path before
 * civetweb starts TLS; civetweb's dlopen("libssl.so") then finds it by its
 * soname, and every other symbol resolves through its dependency on the real
 * library. See host/rest/tls.cc. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

__attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
