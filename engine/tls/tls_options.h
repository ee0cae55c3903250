#pragma once
// How the lab's TLS server contexts are set up: protocol versions, ciphers, session resumption
// and ALPN, with ingress-nginx's ConfigMap defaults.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engine/tls/hsts.h"
#include "engine/tls/openssl_types.h"

namespace ilab::tls {

enum class TlsVersion { Tls1_0, Tls1_1, Tls1_2, Tls1_3 };

// "TLSv1.2", as ssl-protocols spells it.
std::string_view tlsVersionName(TlsVersion version);
std::optional<TlsVersion> parseTlsVersion(std::string_view name);

// ingress-nginx's ssl-ciphers default (internal/ingress/controller/config/config.go): ECDHE and
// DHE with AES-GCM or ChaCha20 only. It governs TLS 1.2; TLS 1.3 suites are set apart.
inline constexpr std::string_view kNginxDefaultCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

// The protocol the lab speaks inside TLS, and the only one it offers by ALPN.
inline constexpr std::string_view kAlpnHttp11 = "http/1.1";

// Each field names the ingress-nginx ConfigMap key it mirrors; defaults are that key's default.
struct TlsOptions {
    // ssl-protocols "TLSv1.2 TLSv1.3".
    TlsVersion min_version = TlsVersion::Tls1_2;
    TlsVersion max_version = TlsVersion::Tls1_3;
    // ssl-ciphers (TLS 1.2 and older), in OpenSSL's cipher-list syntax.
    std::string ciphers = std::string(kNginxDefaultCiphers);
    // TLS 1.3 suites; empty keeps OpenSSL's defaults, as nginx does without ssl_conf_command.
    std::string ciphersuites;
    // nginx.tmpl writes "ssl_prefer_server_ciphers on" beside the default ssl-ciphers: the
    // server's order wins (ECDHE-*-AES128-GCM-SHA256 first).
    bool prefer_server_ciphers = true;
    // ssl-session-cache true, ssl-session-cache-size 10m: nginx stores about 4,000 sessions per
    // megabyte, so 40,000 sessions in the server-side cache.
    bool session_cache = true;
    long session_cache_size = 40000;
    // ssl-session-tickets false: resumption by session ID (TLS 1.2) and by stateful tickets
    // that only name a cache entry (TLS 1.3), never by self-contained encrypted tickets.
    bool session_tickets = false;
    // ssl-session-timeout 10m.
    std::chrono::seconds session_timeout{600};
    // The lab's own: how many manifest hosts the default certificate lists at most. Every
    // handshake that falls to the default certificate sends it whole, so a 10,000-host lab
    // must not put 10,000 names in it.
    std::size_t max_default_certificate_names = 100;
    // hsts, hsts-max-age, hsts-include-subdomains, hsts-preload: Strict-Transport-Security on
    // HTTPS responses for hosts with TLS configured. Published with the certificates, so a
    // ConfigMap change applies on reload as in ingress-nginx.
    HstsOptions hsts;

    bool operator==(const TlsOptions&) const = default;
};

// Applies `options` to a server context: version range, ciphers, session cache and tickets,
// renegotiation off, buffers released while idle, ALPN answering "http/1.1" only (a client
// offering only other protocols gets the no_application_protocol alert, as from nginx). False
// with `error` when the options are unusable (an unknown cipher list, min above max). Call
// before the context is shared between threads.
bool configureServerContext(SSL_CTX* ctx, const TlsOptions& options, std::string* error = nullptr);

// A new server context with `options` and no certificate: the listener's context, whose SNI
// callback then switches each connection to the certificate's context (installSniCallback).
// Null with `error` when the options are unusable.
SslCtxPtr makeServerContext(const TlsOptions& options, std::string* error = nullptr);

}  // namespace ilab::tls
