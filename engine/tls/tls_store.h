#pragma once
// The certificates one generation of the lab serves, chosen by SNI the way ingress-nginx
// chooses them, as ready-to-use OpenSSL server contexts.
//
// Built once per RouteTable generation and immutable afterwards: the proxy publishes it as a
// std::shared_ptr<const TlsStore> in a TlsStoreSlot and the listener's ClientHello callback reads
// the slot, so a reload swaps every certificate at once while handshakes in flight finish on the
// old ones.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/model/manifests.h"
#include "engine/tls/certificate_authority.h"
#include "engine/tls/openssl_types.h"
#include "engine/tls/tls_options.h"

namespace ilab::tls {

// Which certificate a server host presents. ingress-nginx decides it per host of an Ingress
// rule (createServers + extractTLSSecretName), oldest Ingress first: a tls entry listing the
// host names the Secret; failing that, the first Secret of the Ingress whose certificate covers
// the host; failing that, or when the Secret is unusable or does not cover the host, the
// default certificate. Hosts of Ingresses without a tls section have no binding at all.
struct CertificateBinding {
    std::string host;     // lower case, as the rule names it ("*.shop.local" possible)
    std::string secret;   // "namespace/name" whose certificate is served; "" for the default
    std::string ingress;  // "namespace/name" of the Ingress that decided
    std::string reason;   // why the default certificate serves it; "" when the Secret does
};

// The outcome of an SNI lookup.
struct CertificateChoice {
    SSL_CTX* context = nullptr;  // never null for a built store
    // The name has a binding (exactly or through a wildcard host): ingress-nginx's
    // certificate.configured_for_current_request(), which its ssl-redirect and HSTS consult.
    const CertificateBinding* binding = nullptr;
    bool configured() const { return binding != nullptr; }
};

// Which Ingresses may bind certificates. The default takes every claimed Ingress the API
// server would accept; the proxy also leaves out canary Ingresses and those the dialect drops,
// as ingress-nginx does (the model alone cannot tell them).
using IngressFilter = std::function<bool(const model::Ingress&)>;

class TlsStore {
public:
    // Builds every context for `manifests`:
    //  - one per usable TLS Secret a served Ingress names (tls.crt, chain included, and
    //    tls.key, checked to match); an unusable one is an ILAB-TLS-001 warning at the Secret
    //    (or at secretName when it does not exist) and its hosts get the default certificate;
    //  - a host whose Secret's certificate does not cover it: ILAB-TLS-002, default certificate;
    //  - the default context, with a certificate the CA issues for every host of the manifests
    //    that gets the default certificate and whose own Secret is not broken (plus localhost,
    //    127.0.0.1 and ::1), so `curl --cacert ca.crt` works for them; see docs/tls.md;
    //  - unusable `options` are an ILAB-TLS-004 error and the defaults are used instead.
    // `previous` (the store being replaced) lends its contexts for Secrets whose PEM did not
    // change and its default context when the default names did not, so a reload makes new
    // contexts only for what changed. Never throws on bad input; null only when OpenSSL itself
    // fails (out of memory), with an ILAB-TLS-003 error. Any thread.
    static std::shared_ptr<const TlsStore> build(const model::Manifests& manifests,
                                                 const CertificateAuthority& ca,
                                                 const TlsOptions& options,
                                                 core::Diagnostics& diagnostics,
                                                 const TlsStore* previous = nullptr,
                                                 const IngressFilter& serves = {});

    // The context for a TLS server_name, as certificate.lua picks it: lower-cased, one trailing
    // dot dropped, an exact host, then the wildcard host for its first label ("a.b.c" ->
    // "*.b.c"), else the default. An empty name (no SNI) gets the default. Lock-free and
    // allocation-free; any thread.
    CertificateChoice choose(std::string_view server_name) const;
    SSL_CTX* select(std::string_view server_name) const { return choose(server_name).context; }

    SSL_CTX* defaultContext() const { return default_context_.get(); }
    X509* defaultCertificate() const;
    // The names in the default certificate's subjectAltName, in order.
    const std::vector<std::string>& defaultCertificateNames() const { return default_names_; }
    // Every host binding, in ingress-nginx's processing order.
    const std::vector<CertificateBinding>& bindings() const { return bindings_; }
    // "namespace/name" of the Secret a context serves, "default" for the default context, ""
    // for a context this store does not own. For logs and request events.
    std::string_view describe(const SSL_CTX* context) const;
    const TlsOptions& options() const { return options_; }
    // The Strict-Transport-Security value of options().hsts; "" when HSTS is off.
    const std::string& hstsHeader() const { return hsts_header_; }
    // Distinct server contexts, default included.
    std::size_t contextCount() const { return contexts_by_name_.size(); }

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>()(s);
        }
    };
    template <class T>
    using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

    friend class TlsStoreBuilder;
    TlsStore() = default;

    TlsOptions options_;
    std::string hsts_header_;
    std::string ca_fingerprint_;  // which CA issued the default certificate
    SharedSslCtx default_context_;
    std::vector<std::string> default_names_;
    std::vector<CertificateBinding> bindings_;
    StringMap<std::pair<SSL_CTX*, std::size_t>> hosts_;  // host -> context, binding index
    StringMap<SharedSslCtx> by_content_;                 // SHA-256 of tls.crt + tls.key
    std::unordered_map<const SSL_CTX*, std::string> contexts_by_name_;
};

// Where the current store lives. publish() on reload from any thread; the ClientHello callback
// loads it once per handshake. A handshake keeps the context it switched to (SSL_set_SSL_CTX takes
// a reference), so releasing an old store never pulls a certificate from under a connection.
class TlsStoreSlot {
public:
    void publish(std::shared_ptr<const TlsStore> store) noexcept {
        store_.store(std::move(store), std::memory_order_release);
    }
    std::shared_ptr<const TlsStore> current() const noexcept {
        return store_.load(std::memory_order_acquire);
    }

private:
    std::atomic<std::shared_ptr<const TlsStore>> store_;
};

// Installs callbacks on the listener's context that move each connection, as soon as its
// ClientHello arrives, to the context TlsStore::select() names for its SNI (SSL_set_SSL_CTX),
// no SNI included. Switching that early (a ClientHello callback rather than the servername
// callback) keeps a TLS 1.2 session made for one host from being resumed under another. The
// protocol range stays the listener's (OpenSSL copies it into each connection up front), so
// create it with makeServerContext() and the store's options. The slot (or store) must outlive
// every handshake on `listener_context`; with an empty slot the handshake fails with an
// internal_error alert. Call before the listener accepts.
void installSniCallback(SSL_CTX* listener_context, const TlsStoreSlot* slot);
// The same for one fixed store (tests, a listener rebuilt per generation).
void installSniCallback(SSL_CTX* listener_context, const TlsStore* store);

}  // namespace ilab::tls
