#include "engine/tls/tls_store.h"

#include <algorithm>
#include <unordered_set>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "engine/core/text.h"
#include "engine/tls/client_hello.h"

namespace ilab::tls {
namespace {

// ingress-nginx's generated default certificate carries this subject; the lab keeps it so that
// `openssl s_client` output reads the same, but its certificate is issued by the lab CA.
constexpr const char* kFakeCommonName = "Kubernetes Ingress Controller Fake Certificate";
constexpr const char* kFakeOrganization = "Acme Co";
constexpr std::string_view kDefaultDescription = "default";

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) return {};
    return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string fingerprint(const X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &size) != 1) return {};
    return std::string(reinterpret_cast<const char*>(digest), size);
}

// Every certificate in PEM text, leaf first.
std::vector<X509Ptr> readChain(std::string_view pem) {
    std::vector<X509Ptr> chain;
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return chain;
    while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        chain.emplace_back(certificate);
    ERR_clear_error();  // the end of the text reads as "no start line"
    return chain;
}

// A server context presenting `leaf` (+ `intermediates`) with `key`. The session id context is
// the certificate's digest: a session made with one certificate is never resumed on a context
// presenting another, as nginx does per server.
SharedSslCtx certificateContext(X509* leaf, const std::vector<X509Ptr>& intermediates,
                                EVP_PKEY* key, const TlsOptions& options, std::string& reason) {
    SslCtxPtr ctx = makeServerContext(options, &reason);
    if (!ctx) return nullptr;
    if (SSL_CTX_use_certificate(ctx.get(), leaf) != 1) {
        reason = "the certificate cannot be used: " + takeOpenSslErrors();
        return nullptr;
    }
    for (const X509Ptr& intermediate : intermediates) {
        if (SSL_CTX_add1_chain_cert(ctx.get(), intermediate.get()) != 1) {
            reason = "the certificate chain cannot be used: " + takeOpenSslErrors();
            return nullptr;
        }
    }
    if (SSL_CTX_use_PrivateKey(ctx.get(), key) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1) {
        reason = "the private key cannot be used: " + takeOpenSslErrors();
        return nullptr;
    }
    const std::string id = fingerprint(leaf);
    SSL_CTX_set_session_id_context(
        ctx.get(), reinterpret_cast<const unsigned char*>(id.data()),
        static_cast<unsigned int>(std::min<std::size_t>(id.size(), SSL_MAX_SID_CTX_LENGTH)));
    return shareSslCtx(std::move(ctx));
}

std::string_view clientHelloServerName(SSL* ssl) {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &size) != 1) return {};
    return serverNameFromExtension(data, size);
}

int switchContext(SSL* ssl, const TlsStore& store, int* alert) {
    SSL_CTX* target = store.select(clientHelloServerName(ssl));
    // SSL_set_SSL_CTX takes its own reference to `target` and copies its certificate and
    // session id context, so the connection keeps them even if the store is released before
    // the handshake ends.
    if (target != SSL_get_SSL_CTX(ssl) && SSL_set_SSL_CTX(ssl, target) == nullptr) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

int switchFromSlot(SSL* ssl, int* alert, void* arg) {
    const std::shared_ptr<const TlsStore> store = static_cast<const TlsStoreSlot*>(arg)->current();
    if (!store) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return switchContext(ssl, *store, alert);
}

int switchFromStore(SSL* ssl, int* alert, void* arg) {
    return switchContext(ssl, *static_cast<const TlsStore*>(arg), alert);
}

// Accepts every server name, so the ServerHello acknowledges SNI and the session records it;
// the certificate was already chosen in the ClientHello callback.
int acknowledgeServerName(SSL*, int*, void*) {
    return SSL_TLSEXT_ERR_OK;
}

// The ClientHello callback, not the servername callback, switches the context: OpenSSL looks
// up a TLS 1.2 session before it calls the servername callback, so a switch there is too late
// for the session id context to keep a session made for one host from being resumed under
// another (RFC 6066 forbids it; tests/tls/handshake_test.cpp shows it).
void installCallbacks(SSL_CTX* ctx, SSL_client_hello_cb_fn switcher, void* arg) {
    SSL_CTX_set_client_hello_cb(ctx, switcher, arg);
    // SSL_CTX_set_tlsext_servername_callback without its macro's C-style cast. OpenSSL stores
    // the callback as void (*)(void) and calls it back with its real type.
    SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                          reinterpret_cast<void (*)()>(acknowledgeServerName));
}

}  // namespace

// Does the work of TlsStore::build; one object per build.
class TlsStoreBuilder {
public:
    TlsStoreBuilder(const model::Manifests& manifests, const CertificateAuthority& ca,
                    const TlsOptions& options, core::Diagnostics& diagnostics,
                    const TlsStore* previous, const IngressFilter& serves)
        : m_(manifests),
          ca_(ca),
          diagnostics_(diagnostics),
          previous_(previous),
          serves_(serves),
          store_(new TlsStore()) {
        store_->options_ = options;
    }

    std::shared_ptr<const TlsStore> run() {
        checkOptions();
        store_->hsts_header_ = hstsHeaderValue(store_->options_.hsts);
        selectIngresses();
        for (const model::Ingress* ing : ingresses_)
            loadSecretsOf(*ing);
        bindHosts();
        if (!makeDefaultContext()) return nullptr;
        for (std::size_t i = 0; i < store_->bindings_.size(); ++i) {
            const CertificateBinding& binding = store_->bindings_[i];
            SSL_CTX* ctx = binding.secret.empty() ? store_->default_context_.get()
                                                  : secrets_.at(binding.secret).context.get();
            store_->hosts_.emplace(binding.host, std::make_pair(ctx, i));
        }
        return store_;
    }

private:
    struct LoadedSecret {
        const model::Secret* secret = nullptr;
        SharedSslCtx context;  // null when the Secret cannot be used
        std::string reason;
    };

    void checkOptions() {
        std::string error;
        if (makeServerContext(store_->options_, &error)) return;
        diagnostics_.error(
            "ILAB-TLS-004",
            "TLS options cannot be used: " + error + "; the lab uses ingress-nginx's defaults", {},
            "fix ssl-protocols / ssl-ciphers");
        store_->options_ = TlsOptions{};
    }

    void selectIngresses() {
        for (const model::Ingress& ing : m_.ingresses) {
            if (!ing.claimed || ing.rejected) continue;
            if (serves_ && !serves_(ing)) continue;
            ingresses_.push_back(&ing);
        }
        // ingress-nginx builds servers oldest Ingress first; the first to decide a host's
        // certificate keeps it.
        std::stable_sort(ingresses_.begin(), ingresses_.end(),
                         [](auto* a, auto* b) { return model::isOlder(a->meta, b->meta); });
    }

    void loadSecretsOf(const model::Ingress& ing) {
        for (const model::IngressTls& tls : ing.tls) {
            if (tls.secret_name.empty()) continue;
            const std::string key = ing.meta.namespace_ + "/" + tls.secret_name;
            if (secrets_.count(key)) continue;
            LoadedSecret& loaded = secrets_[key];
            loaded.secret = m_.findSecret(ing.meta.namespace_, tls.secret_name);
            loaded.context = contextFor(loaded.secret, loaded.reason);
            if (loaded.context) {
                store_->contexts_by_name_[loaded.context.get()] = key;
                continue;
            }
            // Reported once per Secret, where the user fixes it: the Secret's document, or the
            // secretName that names a Secret that is not there.
            const bool exists = loaded.secret != nullptr;
            diagnostics_.add({core::Severity::Warning, "ILAB-TLS-001",
                              "TLS Secret " + core::quoted(key) + " cannot be used: " +
                                  loaded.reason + "; its hosts get the default certificate",
                              exists ? "kubectl create secret tls " + tls.secret_name +
                                           " --cert=tls.crt --key=tls.key (a matching pair)"
                                     : "create the Secret in namespace " + ing.meta.namespace_,
                              exists ? loaded.secret->meta.location : tls.secret_location,
                              exists ? "Secret " + key : "Ingress " + ing.meta.qualifiedName()});
        }
    }

    SharedSslCtx contextFor(const model::Secret* secret, std::string& reason) {
        if (!secret) {
            reason = "it does not exist";
            return nullptr;
        }
        // ingress-nginx reads tls.crt and tls.key whatever the Secret's type says.
        if (!secret->has_crt || secret->crt_pem.empty()) {
            reason = "it has no tls.crt";
            return nullptr;
        }
        if (!secret->has_key || secret->key_pem.empty()) {
            reason = "it has no tls.key";
            return nullptr;
        }
        const std::string content = sha256(secret->crt_pem) + sha256(secret->key_pem);
        if (auto it = store_->by_content_.find(content); it != store_->by_content_.end())
            return it->second;
        if (previous_ && previous_->options_ == store_->options_) {
            if (auto it = previous_->by_content_.find(content); it != previous_->by_content_.end())
                return store_->by_content_[content] = it->second;
        }
        std::vector<X509Ptr> chain = readChain(secret->crt_pem);
        if (chain.empty()) {
            reason = "tls.crt holds no PEM certificate";
            return nullptr;
        }
        EvpPkeyPtr key = privateKeyFromPem(secret->key_pem);
        if (!key) {
            ERR_clear_error();
            reason = "tls.key holds no PEM private key (an encrypted key cannot be used)";
            return nullptr;
        }
        if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
            ERR_clear_error();
            reason = "tls.key does not match the certificate in tls.crt";
            return nullptr;
        }
        X509Ptr leaf = std::move(chain.front());
        chain.erase(chain.begin());
        SharedSslCtx ctx =
            certificateContext(leaf.get(), chain, key.get(), store_->options_, reason);
        if (ctx) store_->by_content_[content] = ctx;
        return ctx;
    }

    // createServers' certificate pass: per rule host, oldest Ingress first, first decision wins.
    void bindHosts() {
        std::unordered_set<std::string> servers;
        for (const model::Ingress* ing : ingresses_) {
            for (const model::IngressRule& rule : ing->rules) {
                std::string host = core::toLower(rule.host);
                if (host.empty()) continue;  // the default server "_" always has the default
                if (servers.insert(host).second) candidates_.push_back(host);
                if (bound_.count(host) || ing->tls.empty()) continue;
                bind(*ing, rule, host);
            }
        }
        // tls hosts without a rule have no server: their SNI falls to the default certificate,
        // which may as well cover them.
        for (const model::Ingress* ing : ingresses_) {
            for (const model::IngressTls& tls : ing->tls) {
                for (const std::string& raw : tls.hosts) {
                    std::string host = core::toLower(raw);
                    if (!host.empty() && servers.insert(host).second) candidates_.push_back(host);
                }
            }
        }
    }

    void bind(const model::Ingress& ing, const model::IngressRule& rule, const std::string& host) {
        CertificateBinding binding{host, "", ing.meta.qualifiedName(), ""};
        // extractTLSSecretName, first pass: a tls entry that lists the host names the Secret,
        // even an empty one.
        const model::IngressTls* named = nullptr;
        core::SourceLocation at = rule.host_location;
        for (const model::IngressTls& tls : ing.tls) {
            for (std::size_t i = 0; i < tls.hosts.size() && !named; ++i) {
                if (core::toLower(tls.hosts[i]) != host) continue;
                named = &tls;
                if (i < tls.host_locations.size()) at = tls.host_locations[i];
            }
            if (named) break;
        }
        std::string key;
        if (named) {
            if (named->secret_name.empty())
                binding.reason = "its tls entry has no secretName";
            else
                key = ing.meta.namespace_ + "/" + named->secret_name;
        } else {
            // Second pass: the first usable Secret of the Ingress whose certificate covers it.
            for (const model::IngressTls& tls : ing.tls) {
                if (tls.secret_name.empty()) continue;
                const std::string candidate = ing.meta.namespace_ + "/" + tls.secret_name;
                const LoadedSecret& loaded = secrets_.at(candidate);
                if (loaded.context && loaded.secret->certificate.covers(host)) {
                    key = candidate;
                    break;
                }
            }
            if (key.empty())
                binding.reason = "no tls entry of Ingress " + binding.ingress +
                                 " lists it and no certificate of its Secrets covers it";
        }
        if (!key.empty()) {
            const LoadedSecret& loaded = secrets_.at(key);
            if (!loaded.context) {
                binding.reason = "Secret " + key + " cannot be used: " + loaded.reason;
                broken_.insert(host);
            } else if (!loaded.secret->certificate.covers(host)) {
                // createServers: VerifyHostname failed, "Using default certificate".
                binding.reason = "the certificate in Secret " + key + " does not cover it";
                broken_.insert(host);
                diagnostics_.add(
                    {core::Severity::Warning, "ILAB-TLS-002",
                     "the certificate in TLS Secret " + core::quoted(key) +
                         " does not cover host " + core::quoted(host) + " (it names " +
                         core::join(loaded.secret->certificate.dns_names, ", ") +
                         "): ingress-nginx serves the default certificate for it",
                     "issue the certificate for this host or list the host under a matching tls "
                     "entry",
                     at, "Ingress " + binding.ingress});
            } else {
                binding.secret = key;
            }
        }
        bound_.emplace(host, store_->bindings_.size());
        store_->bindings_.push_back(std::move(binding));
    }

    // The binding a name reaches, as choose() will find it.
    const CertificateBinding* reach(const std::string& host) const {
        if (auto it = bound_.find(host); it != bound_.end()) return &store_->bindings_[it->second];
        const auto dot = host.find('.');
        if (dot == std::string::npos || dot == 0) return nullptr;
        if (auto it = bound_.find("*" + host.substr(dot)); it != bound_.end())
            return &store_->bindings_[it->second];
        return nullptr;
    }

    bool makeDefaultContext() {
        // Every host the manifests name that the default certificate will serve, unless the host
        // has a Secret of its own that is broken: that mistake must show in the client as it
        // would against ingress-nginx, not be papered over by the lab CA.
        std::vector<std::string> names;
        std::size_t wanted = 0;
        const std::size_t limit = store_->options_.max_default_certificate_names;
        for (const std::string& host : candidates_) {
            if (broken_.count(host)) continue;
            const CertificateBinding* binding = reach(host);
            if (binding && !binding->secret.empty()) continue;
            ++wanted;
            if (names.size() < limit) names.push_back(host);
        }
        if (wanted > names.size())
            diagnostics_.info("ILAB-TLS-005",
                              "the default certificate lists " + std::to_string(names.size()) +
                                  " of the " + std::to_string(wanted) +
                                  " hosts without a certificate of their own; clients that "
                                  "verify reject it for the others",
                              {}, "give those hosts a TLS Secret, or raise the limit");
        for (const char* local : {"localhost", "127.0.0.1", "::1"})
            names.emplace_back(local);

        store_->ca_fingerprint_ = fingerprint(ca_.certificate());
        if (previous_ && previous_->options_ == store_->options_ &&
            previous_->ca_fingerprint_ == store_->ca_fingerprint_ &&
            previous_->default_names_ == names) {
            store_->default_context_ = previous_->default_context_;
        } else {
            std::optional<IssuedCertificate> issued = ca_.issue(
                names, CertificateAuthority::kLeafValidity, kFakeCommonName, kFakeOrganization);
            std::string reason = "the lab CA could not issue it";
            if (issued)
                store_->default_context_ = certificateContext(
                    issued->certificate.get(), {}, issued->key.get(), store_->options_, reason);
            if (!store_->default_context_) {
                diagnostics_.error("ILAB-TLS-003", "cannot make the default certificate: " + reason,
                                   {});
                return false;
            }
        }
        store_->default_names_ = std::move(names);
        store_->contexts_by_name_[store_->default_context_.get()] =
            std::string(kDefaultDescription);
        return true;
    }

    const model::Manifests& m_;
    const CertificateAuthority& ca_;
    core::Diagnostics& diagnostics_;
    const TlsStore* previous_;
    const IngressFilter& serves_;
    std::shared_ptr<TlsStore> store_;
    std::vector<const model::Ingress*> ingresses_;
    std::unordered_map<std::string, LoadedSecret> secrets_;  // "namespace/name"
    std::unordered_map<std::string, std::size_t> bound_;     // host -> binding index
    std::unordered_set<std::string> broken_;                 // hosts whose own Secret failed
    std::vector<std::string> candidates_;                    // every host named, in order
};

std::shared_ptr<const TlsStore> TlsStore::build(
    const model::Manifests& manifests, const CertificateAuthority& ca, const TlsOptions& options,
    core::Diagnostics& diagnostics, const TlsStore* previous, const IngressFilter& serves) {
    return TlsStoreBuilder(manifests, ca, options, diagnostics, previous, serves).run();
}

CertificateChoice TlsStore::choose(std::string_view server_name) const {
    CertificateChoice choice{default_context_.get(), nullptr};
    if (!server_name.empty() && server_name.back() == '.') server_name.remove_suffix(1);
    // A DNS name has at most 253 characters; anything longer cannot be a host we know.
    if (server_name.empty() || server_name.size() > 253) return choice;
    // The lower-cased name sits at buffer[1..]; the wildcard form then reuses the buffer in
    // place ("*" written over the end of the first label), so no lookup allocates.
    char buffer[256];
    const std::size_t n = server_name.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char c = server_name[i];
        buffer[i + 1] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    const std::string_view host(buffer + 1, n);
    auto found = hosts_.find(host);
    if (found == hosts_.end()) {
        const std::size_t dot = host.find('.');
        if (dot == std::string_view::npos || dot == 0) return choice;
        buffer[dot] = '*';
        found = hosts_.find(std::string_view(buffer + dot, n - dot + 1));
        if (found == hosts_.end()) return choice;
    }
    choice.context = found->second.first;
    choice.binding = &bindings_[found->second.second];
    return choice;
}

X509* TlsStore::defaultCertificate() const {
    return SSL_CTX_get0_certificate(default_context_.get());
}

std::string_view TlsStore::describe(const SSL_CTX* context) const {
    const auto it = contexts_by_name_.find(context);
    return it == contexts_by_name_.end() ? std::string_view() : std::string_view(it->second);
}

void installSniCallback(SSL_CTX* listener_context, const TlsStoreSlot* slot) {
    installCallbacks(listener_context, switchFromSlot, const_cast<TlsStoreSlot*>(slot));
}

void installSniCallback(SSL_CTX* listener_context, const TlsStore* store) {
    installCallbacks(listener_context, switchFromStore, const_cast<TlsStore*>(store));
}

}  // namespace ilab::tls
