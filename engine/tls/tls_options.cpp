#include "engine/tls/tls_options.h"

#include <openssl/err.h>

namespace ilab::tls {
namespace {

int protocolVersion(TlsVersion version) {
    switch (version) {
        case TlsVersion::Tls1_0:
            return TLS1_VERSION;
        case TlsVersion::Tls1_1:
            return TLS1_1_VERSION;
        case TlsVersion::Tls1_2:
            return TLS1_2_VERSION;
        case TlsVersion::Tls1_3:
            return TLS1_3_VERSION;
    }
    return TLS1_2_VERSION;
}

// ALPN in wire format: a length octet, then the name. nginx's HTTP/1 server accepts http/1.1,
// http/1.0 and http/0.9; the lab answers 1.1 and 1.0.
constexpr unsigned char kAlpnWire[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1',
                                       8, 'h', 't', 't', 'p', '/', '1', '.', '0'};

int selectAlpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
               unsigned int in_length, void*) {
    unsigned char* selected = nullptr;
    // nginx (since 1.21.4) ends the handshake when nothing overlaps rather than carrying on
    // without ALPN: a client that offered only h2 could not speak to the lab anyway.
    if (SSL_select_next_proto(&selected, out_length, kAlpnWire, sizeof kAlpnWire, in, in_length) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

bool fail(std::string* error, std::string what) {
    if (error) *error = std::move(what);
    ERR_clear_error();
    return false;
}

}  // namespace

std::string_view tlsVersionName(TlsVersion version) {
    switch (version) {
        case TlsVersion::Tls1_0:
            return "TLSv1";
        case TlsVersion::Tls1_1:
            return "TLSv1.1";
        case TlsVersion::Tls1_2:
            return "TLSv1.2";
        case TlsVersion::Tls1_3:
            return "TLSv1.3";
    }
    return "TLSv1.2";
}

std::optional<TlsVersion> parseTlsVersion(std::string_view name) {
    if (name == "TLSv1" || name == "TLSv1.0") return TlsVersion::Tls1_0;
    if (name == "TLSv1.1") return TlsVersion::Tls1_1;
    if (name == "TLSv1.2") return TlsVersion::Tls1_2;
    if (name == "TLSv1.3") return TlsVersion::Tls1_3;
    return std::nullopt;
}

bool configureServerContext(SSL_CTX* ctx, const TlsOptions& options, std::string* error) {
    if (options.min_version > options.max_version)
        return fail(
            error, "the minimum TLS version " + std::string(tlsVersionName(options.min_version)) +
                       " is above the maximum " + std::string(tlsVersionName(options.max_version)));
    if (SSL_CTX_set_min_proto_version(ctx, protocolVersion(options.min_version)) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, protocolVersion(options.max_version)) != 1)
        return fail(error, "cannot set the TLS version range: " + takeOpenSslErrors());
    if (SSL_CTX_set_cipher_list(ctx, options.ciphers.c_str()) != 1)
        return fail(error, "no usable cipher in ssl-ciphers \"" + options.ciphers +
                               "\": " + takeOpenSslErrors());
    if (!options.ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(ctx, options.ciphersuites.c_str()) != 1)
        return fail(error, "no usable TLS 1.3 cipher suite in \"" + options.ciphersuites +
                               "\": " + takeOpenSslErrors());

    // As nginx: no renegotiation (a cheap way for a client to make the server do expensive
    // handshakes) and SSL_MODE_RELEASE_BUFFERS, which frees the 34 KiB of record buffers while
    // a keep-alive connection is idle.
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (options.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    // Send the chain the Secret holds, as nginx does, instead of OpenSSL building one from the
    // trust store on every handshake (it cost a third of a full handshake's CPU).
    SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);

    if (options.session_cache) {
        // No automatic clear-out: OpenSSL would walk the whole cache (up to 40,000 sessions)
        // every 255 handshakes to drop expired ones. Full, the cache evicts its oldest session
        // for each new one, and an expired session is dropped when looked up, so it stays
        // bounded without the walks (they were 2-3% of a full handshake's CPU).
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR);
        SSL_CTX_sess_set_cache_size(ctx, options.session_cache_size);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    SSL_CTX_set_timeout(ctx, static_cast<long>(options.session_timeout.count()));
    if (!options.session_tickets) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        // With neither a cache nor tickets a TLS 1.3 ticket could never be redeemed: send none
        // (nginx does the same).
        if (!options.session_cache) SSL_CTX_set_num_tickets(ctx, 0);
    }
    SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, nullptr);
    return true;
}

SslCtxPtr makeServerContext(const TlsOptions& options, std::string* error) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
        fail(error, "cannot create a TLS context: " + takeOpenSslErrors());
        return nullptr;
    }
    if (!configureServerContext(ctx.get(), options, error)) return nullptr;
    // Sessions are only resumed on a context with the same id context; the certificate
    // contexts set their own (see TlsStore), the listener this one.
    static constexpr unsigned char kListenerId[] = "ingress-lab";
    SSL_CTX_set_session_id_context(ctx.get(), kListenerId, sizeof kListenerId - 1);
    return ctx;
}

}  // namespace ilab::tls
