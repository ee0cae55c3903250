#pragma once
// Shared pieces of the TLS tests: a temporary directory, manifests with TLS Secrets generated at
// test time, and a complete TLS handshake between two SSL objects in memory (a BIO pair), so
// no test needs a socket or a certificate file from the repository.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "engine/tls/certificate_authority.h"
#include "engine/tls/openssl_types.h"

namespace ilab::tls::testing {

// A private directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && base[0] ? base : "/tmp") + "/ilab-tls-XXXXXX";
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        if (::mkdtemp(buffer.data())) path_ = buffer.data();
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline CertificateAuthority makeCa() {
    core::Diagnostics diagnostics;
    std::optional<CertificateAuthority> ca = CertificateAuthority::generate(diagnostics);
    if (!ca) std::abort();  // nothing else can run without one
    return std::move(*ca);
}

inline std::string indent(const std::string& text, int spaces) {
    std::string out, pad(static_cast<std::size_t>(spaces), ' ');
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        out += pad + text.substr(pos, end - pos) + "\n";
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

inline std::string secretYaml(const std::string& name, const std::string& crt,
                              const std::string& key) {
    return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name +
           "}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n" + indent(crt, 4) +
           "  tls.key: |\n" + indent(key, 4) + "---\n";
}

struct TlsEntry {
    std::vector<std::string> hosts;
    std::string secret;  // "" leaves secretName out
};

// An Ingress of class nginx with a Prefix "/" rule per host; `created` sets creationTimestamp.
inline std::string ingressYaml(const std::string& name, const std::vector<std::string>& hosts,
                               const std::vector<TlsEntry>& tls, const std::string& created = {},
                               const std::string& class_name = "nginx") {
    std::string y =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n";
    if (!created.empty()) y += "  creationTimestamp: \"" + created + "\"\n";
    y += "spec:\n  ingressClassName: " + class_name + "\n";
    if (!tls.empty()) {
        y += "  tls:\n";
        for (const TlsEntry& entry : tls) {
            y += "  - hosts: [";
            for (std::size_t i = 0; i < entry.hosts.size(); ++i)
                y += (i ? ", \"" : "\"") + entry.hosts[i] + "\"";
            y += "]\n";
            if (!entry.secret.empty()) y += "    secretName: " + entry.secret + "\n";
        }
    }
    y += "  rules:\n";
    for (const std::string& host : hosts)
        y += "  - host: \"" + host +
             "\"\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: "
             "{service: {name: web, port: {number: 80}}}}\n";
    return y + "---\n";
}

// A self-signed certificate for `host` with `key` (RSA or EC), as users make them with openssl.
inline X509Ptr selfSigned(EVP_PKEY* key, const std::string& host) {
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    const std::string san = "DNS:" + host;
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str()));
    X509_add_ext(cert.get(), ext.get(), -1);
    X509_sign(cert.get(), key, EVP_sha256());
    return cert;
}

// A client context; with `trust` it verifies the server's chain against that certificate.
inline SslCtxPtr clientContext(X509* trust = nullptr) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (trust) {
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), trust);
    }
    return ctx;
}

struct HandshakeResult {
    bool ok = false;
    SslPtr client, server;
    std::string client_error, server_error;
    X509* peerCertificate() const { return SSL_get0_peer_certificate(client.get()); }
};

// Runs a handshake between a client on `client_ctx` and a server on `server_ctx` through a BIO
// pair until both finish or one fails (then the other is given the alert to read).
// `between` runs once the server has read the ClientHello (its SNI callback has run) and before
// the handshake goes on.
inline HandshakeResult handshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx,
                                 const std::string& server_name,
                                 const std::string& verify_host = {}, SSL_SESSION* resume = nullptr,
                                 const std::function<void()>& between = {}) {
    HandshakeResult r;
    r.client.reset(SSL_new(client_ctx));
    r.server.reset(SSL_new(server_ctx));
    BIO* client_bio = nullptr;
    BIO* server_bio = nullptr;
    if (!r.client || !r.server || BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) != 1) return r;
    SSL_set_bio(r.client.get(), client_bio, client_bio);
    SSL_set_bio(r.server.get(), server_bio, server_bio);
    SSL_set_connect_state(r.client.get());
    SSL_set_accept_state(r.server.get());
    // SSL_set_tlsext_host_name without its macro's C-style cast.
    if (!server_name.empty())
        SSL_ctrl(r.client.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(server_name.c_str()));
    if (!verify_host.empty()) SSL_set1_host(r.client.get(), verify_host.c_str());
    if (resume) SSL_set_session(r.client.get(), resume);
    bool client_done = false, server_done = false, client_failed = false, server_failed = false;
    auto step = [](SSL* ssl, bool& done, bool& failed, std::string& error) {
        if (done || failed) return;
        ERR_clear_error();
        const int rc = SSL_do_handshake(ssl);
        if (rc == 1) {
            done = true;
            return;
        }
        const int reason = SSL_get_error(ssl, rc);
        if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) return;
        failed = true;
        error = takeOpenSslErrors("handshake failed");
    };
    for (int round = 0; round < 50; ++round) {
        step(r.client.get(), client_done, client_failed, r.client_error);
        step(r.server.get(), server_done, server_failed, r.server_error);
        if (round == 0 && between) between();
        if ((client_done || client_failed) && (server_done || server_failed)) break;
        if ((client_failed || server_failed) && round > 5) break;
    }
    r.ok = client_done && server_done;
    return r;
}

// Lets a TLS 1.3 client read what the server sent after the handshake (its session tickets).
inline void readPostHandshake(SSL* client) {
    char byte;
    ERR_clear_error();
    SSL_read(client, &byte, 1);
    ERR_clear_error();
}

inline bool hasSubjectAltName(X509* certificate, const std::string& dns_name) {
    return certificate && X509_check_host(certificate, dns_name.c_str(), dns_name.size(),
                                          X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
}

}  // namespace ilab::tls::testing
