#include "engine/tls/tls_store.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "engine/model/manifests.h"
#include "engine/tls/hsts.h"
#include "tests/tls/tls_test_support.h"

namespace ilab::tls {
namespace {

using testing::ingressYaml;
using testing::secretYaml;
using testing::TlsEntry;

// One lab CA for the suite and a second, "real-world" CA for the users' own Secrets, so a test
// can tell which certificate a context presents.
class TlsStoreTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        lab_ca_ = new CertificateAuthority(testing::makeCa());
        user_ca_ = new CertificateAuthority(testing::makeCa());
    }
    static void TearDownTestSuite() {
        delete lab_ca_;
        delete user_ca_;
    }

    static std::string secretFor(const std::string& name, const std::vector<std::string>& hosts) {
        std::optional<IssuedCertificate> issued = user_ca_->issue(hosts);
        return secretYaml(name, issued->certificatePem(), issued->keyPem());
    }

    std::shared_ptr<const TlsStore> build(const std::string& yaml,
                                          const TlsStore* previous = nullptr,
                                          const IngressFilter& serves = {},
                                          const TlsOptions& options = {}) {
        manifests_ = model::loadManifestsFromText(yaml, "lab.yaml");
        diagnostics_ = core::Diagnostics();
        auto store = TlsStore::build(manifests_, *lab_ca_, options, diagnostics_, previous, serves);
        EXPECT_TRUE(store);
        return store;
    }

    // The subject CN of the certificate a context presents.
    static std::string presented(SSL_CTX* ctx) {
        X509* cert = SSL_CTX_get0_certificate(ctx);
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
        return cn;
    }

    std::vector<std::string> codes() const {
        std::vector<std::string> out;
        for (const core::Diagnostic& d : diagnostics_.items())
            out.push_back(d.code);
        return out;
    }

    static inline CertificateAuthority* lab_ca_ = nullptr;
    static inline CertificateAuthority* user_ca_ = nullptr;
    model::Manifests manifests_;
    core::Diagnostics diagnostics_;
};

constexpr const char* kFake = "Kubernetes Ingress Controller Fake Certificate";

TEST_F(TlsStoreTest, ExactHostGetsItsSecretsCertificate) {
    auto store =
        build(secretFor("shop-tls", {"shop.example.com"}) +
              ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}));
    EXPECT_TRUE(diagnostics_.empty());
    SSL_CTX* ctx = store->select("shop.example.com");
    EXPECT_NE(ctx, store->defaultContext());
    EXPECT_EQ(presented(ctx), "shop.example.com");
    EXPECT_EQ(store->describe(ctx), "default/shop-tls");
    const CertificateChoice choice = store->choose("shop.example.com");
    ASSERT_TRUE(choice.configured());
    EXPECT_EQ(choice.binding->secret, "default/shop-tls");
    EXPECT_EQ(choice.binding->ingress, "default/shop");
}

TEST_F(TlsStoreTest, ServerNameIsMatchedCaseInsensitivelyAndWithoutTheTrailingDot) {
    auto store =
        build(secretFor("shop-tls", {"shop.example.com"}) +
              ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}));
    SSL_CTX* ctx = store->select("shop.example.com");
    EXPECT_EQ(store->select("SHOP.Example.COM"), ctx);
    EXPECT_EQ(store->select("shop.example.com."), ctx);
    EXPECT_EQ(store->select("shop.example.com.."), store->defaultContext());
}

TEST_F(TlsStoreTest, UnknownNameAndNoSniGetTheDefaultCertificate) {
    auto store =
        build(secretFor("shop-tls", {"shop.example.com"}) +
              ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}));
    EXPECT_EQ(store->select("other.example.com"), store->defaultContext());
    EXPECT_EQ(store->select(""), store->defaultContext());
    EXPECT_EQ(store->select(std::string(300, 'a')), store->defaultContext());
    EXPECT_FALSE(store->choose("other.example.com").configured());
    EXPECT_EQ(presented(store->defaultContext()), kFake);
    EXPECT_EQ(store->describe(store->defaultContext()), "default");
    EXPECT_EQ(store->contextCount(), 2u);
}

TEST_F(TlsStoreTest, WildcardHostCoversOneLabel) {
    auto store =
        build(secretFor("wild-tls", {"*.shop.example.com"}) +
              ingressYaml("wild", {"*.shop.example.com"}, {{{"*.shop.example.com"}, "wild-tls"}}));
    EXPECT_TRUE(diagnostics_.empty()) << formatDiagnostic(diagnostics_.items().at(0));
    SSL_CTX* wild = store->select("eu.shop.example.com");
    EXPECT_NE(wild, store->defaultContext());
    EXPECT_EQ(store->describe(wild), "default/wild-tls");
    EXPECT_EQ(store->select("EU.shop.example.com"), wild);
    EXPECT_EQ(store->select("a.eu.shop.example.com"), store->defaultContext());
    EXPECT_EQ(store->select("shop.example.com"), store->defaultContext());
    EXPECT_EQ(store->select(".shop.example.com"), store->defaultContext());
}

TEST_F(TlsStoreTest, ExactHostBeatsWildcardHost) {
    auto store =
        build(secretFor("wild-tls", {"*.example.com"}) + secretFor("api-tls", {"api.example.com"}) +
              ingressYaml("wild", {"*.example.com"}, {{{"*.example.com"}, "wild-tls"}}) +
              ingressYaml("api", {"api.example.com"}, {{{"api.example.com"}, "api-tls"}}));
    EXPECT_EQ(store->describe(store->select("api.example.com")), "default/api-tls");
    EXPECT_EQ(store->describe(store->select("web.example.com")), "default/wild-tls");
}

TEST_F(TlsStoreTest, HostBoundToTheDefaultCertificateShadowsTheWildcard) {
    // certificate.lua finds "api.example.com" first: a host with a tls entry but no secretName
    // presents the default certificate even where a wildcard host has a Secret.
    auto store = build(secretFor("wild-tls", {"*.example.com"}) +
                       ingressYaml("wild", {"*.example.com"}, {{{"*.example.com"}, "wild-tls"}}) +
                       ingressYaml("api", {"api.example.com"}, {{{"api.example.com"}, ""}}));
    const CertificateChoice choice = store->choose("api.example.com");
    EXPECT_EQ(choice.context, store->defaultContext());
    ASSERT_TRUE(choice.configured());
    EXPECT_EQ(choice.binding->reason, "its tls entry has no secretName");
}

TEST_F(TlsStoreTest, HostWithoutTlsFallsThroughToTheWildcard) {
    auto store = build(secretFor("wild-tls", {"*.example.com"}) +
                       ingressYaml("wild", {"*.example.com"}, {{{"*.example.com"}, "wild-tls"}}) +
                       ingressYaml("plain", {"plain.example.com"}, {}));
    EXPECT_EQ(store->describe(store->select("plain.example.com")), "default/wild-tls");
}

TEST_F(TlsStoreTest, SecretWhoseCertificateCoversAnUnlistedRuleHostIsUsed) {
    // extractTLSSecretName's second pass: no tls entry lists "www.example.com", but the
    // certificate of the Ingress's Secret covers it.
    auto store = build(
        secretFor("site-tls", {"example.com", "www.example.com"}) +
        ingressYaml("site", {"example.com", "www.example.com"}, {{{"example.com"}, "site-tls"}}));
    EXPECT_TRUE(diagnostics_.empty());
    EXPECT_EQ(store->describe(store->select("www.example.com")), "default/site-tls");
}

TEST_F(TlsStoreTest, RuleHostOfAnIngressWithATlsSectionElsewhereGetsTheDefault) {
    auto store = build(
        secretFor("a-tls", {"a.example.com"}) +
        ingressYaml("two", {"a.example.com", "b.example.com"}, {{{"a.example.com"}, "a-tls"}}));
    const CertificateChoice b = store->choose("b.example.com");
    EXPECT_EQ(b.context, store->defaultContext());
    EXPECT_TRUE(b.configured());  // ingress-nginx redirects it to HTTPS too
    EXPECT_TRUE(diagnostics_.empty());
}

TEST_F(TlsStoreTest, BrokenSecretFallsBackToTheDefaultWithADiagnosticAtTheSecret) {
    const std::string broken =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: shop-tls}\ntype: kubernetes.io/tls\n"
        "stringData:\n  tls.crt: not a certificate\n  tls.key: not a key\n---\n";
    auto store = build(
        broken + ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}));
    EXPECT_EQ(store->select("shop.example.com"), store->defaultContext());
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-001"});
    const core::Diagnostic& d = diagnostics_.items()[0];
    EXPECT_EQ(d.severity, core::Severity::Warning);
    EXPECT_EQ(d.location.fileName(), "lab.yaml");
    EXPECT_EQ(d.location.line, 1);  // the Secret's document
    EXPECT_EQ(d.object, "Secret default/shop-tls");
    EXPECT_NE(d.message.find("tls.crt holds no PEM certificate"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("default certificate"), std::string::npos);
    // The broken host is not papered over by the lab CA: clients see the mistake.
    for (const std::string& name : store->defaultCertificateNames())
        EXPECT_NE(name, "shop.example.com");
    EXPECT_EQ(store->choose("shop.example.com").binding->reason,
              "Secret default/shop-tls cannot be used: tls.crt holds no PEM certificate");
}

TEST_F(TlsStoreTest, MismatchedKeyIsDetected) {
    std::optional<IssuedCertificate> a = user_ca_->issue({"shop.example.com"});
    std::optional<IssuedCertificate> b = user_ca_->issue({"shop.example.com"});
    auto store =
        build(secretYaml("shop-tls", a->certificatePem(), b->keyPem()) +
              ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}));
    EXPECT_EQ(store->select("shop.example.com"), store->defaultContext());
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-001"});
    EXPECT_NE(diagnostics_.items()[0].message.find("tls.key does not match the certificate"),
              std::string::npos);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(TlsStoreTest, MissingSecretIsReportedAtSecretName) {
    auto store =
        build(ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "nowhere"}}));
    EXPECT_EQ(store->select("shop.example.com"), store->defaultContext());
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-001"});
    const core::Diagnostic& d = diagnostics_.items()[0];
    EXPECT_EQ(d.object, "Ingress default/shop");
    EXPECT_EQ(d.location.line, 9);  // secretName: nowhere
    EXPECT_NE(d.message.find("does not exist"), std::string::npos);
}

TEST_F(TlsStoreTest, EncryptedKeyIsUnusableRatherThanAPrompt) {
    std::optional<IssuedCertificate> leaf = user_ca_->issue({"shop.example.com"});
    BioPtr bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), leaf->key.get(), EVP_aes_128_cbc(), nullptr,
                                            0, nullptr, const_cast<char*>("secret")),
              1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    auto store =
        build(secretYaml("shop-tls", leaf->certificatePem(),
                         std::string(data, static_cast<std::size_t>(size))) +
              ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}));
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-001"});
    EXPECT_NE(diagnostics_.items()[0].message.find("encrypted"), std::string::npos);
}

TEST_F(TlsStoreTest, KeyBelowTheSecurityLevelIsUnusable) {
    EvpPkeyPtr rsa(EVP_RSA_gen(1024));
    X509Ptr cert = testing::selfSigned(rsa.get(), "shop.example.com");
    TlsOptions options;
    options.ciphers += ":@SECLEVEL=2";  // whatever the system's default level is
    auto store =
        build(secretYaml("shop-tls", toPem(cert.get()), toPem(rsa.get())) +
                  ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}),
              nullptr, {}, options);
    EXPECT_EQ(store->select("shop.example.com"), store->defaultContext());
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-001"});
    EXPECT_NE(diagnostics_.items()[0].message.find("too small"), std::string::npos)
        << diagnostics_.items()[0].message;
}

TEST_F(TlsStoreTest, CertificateThatDoesNotCoverItsHostFallsBack) {
    auto store =
        build(ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}) +
              secretFor("shop-tls", {"other.example.com"}));
    EXPECT_EQ(store->select("shop.example.com"), store->defaultContext());
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-002"});
    EXPECT_EQ(diagnostics_.items()[0].location.line, 8);  // the tls host entry
    EXPECT_NE(diagnostics_.items()[0].message.find("other.example.com"), std::string::npos);
}

TEST_F(TlsStoreTest, OldestIngressDecidesAHostsCertificate) {
    auto store = build(secretFor("new-tls", {"shop.example.com"}) +
                       secretFor("old-tls", {"shop.example.com"}) +
                       ingressYaml("newer", {"shop.example.com"},
                                   {{{"shop.example.com"}, "new-tls"}}, "2024-06-01T00:00:00Z") +
                       ingressYaml("older", {"shop.example.com"},
                                   {{{"shop.example.com"}, "old-tls"}}, "2023-01-01T00:00:00Z"));
    EXPECT_EQ(store->describe(store->select("shop.example.com")), "default/old-tls");
}

TEST_F(TlsStoreTest, UnclaimedAndFilteredIngressesBindNothing) {
    const std::string secret = secretFor("shop-tls", {"shop.example.com"});
    auto unclaimed =
        build(secret + ingressYaml("shop", {"shop.example.com"},
                                   {{{"shop.example.com"}, "shop-tls"}}, {}, "traefik"));
    EXPECT_EQ(unclaimed->select("shop.example.com"), unclaimed->defaultContext());
    EXPECT_TRUE(unclaimed->bindings().empty());

    auto filtered = build(
        secret + ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}),
        nullptr, [](const model::Ingress& ing) { return ing.meta.name != "shop"; });
    EXPECT_EQ(filtered->select("shop.example.com"), filtered->defaultContext());
}

TEST_F(TlsStoreTest, DefaultCertificateListsHostsWithoutASecretOfTheirOwn) {
    auto store =
        build(secretFor("shop-tls", {"shop.example.com"}) +
              ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}) +
              ingressYaml("plain", {"plain.example.com", "*.dev.example.com"}, {}) +
              ingressYaml("sni", {"sni.example.com"}, {{{"sni.example.com"}, ""}}));
    EXPECT_EQ(store->defaultCertificateNames(),
              (std::vector<std::string>{"plain.example.com", "*.dev.example.com", "sni.example.com",
                                        "localhost", "127.0.0.1", "::1"}));
    X509* fake = store->defaultCertificate();
    EXPECT_TRUE(testing::hasSubjectAltName(fake, "plain.example.com"));
    EXPECT_TRUE(testing::hasSubjectAltName(fake, "x.dev.example.com"));
    EXPECT_FALSE(testing::hasSubjectAltName(fake, "shop.example.com"));
    EXPECT_EQ(X509_check_issued(lab_ca_->certificate(), fake), X509_V_OK);
}

TEST_F(TlsStoreTest, DefaultCertificateNamesAreCapped) {
    std::vector<std::string> hosts;
    for (int i = 0; i < 5; ++i)
        hosts.push_back("h" + std::to_string(i) + ".example.com");
    TlsOptions options;
    options.max_default_certificate_names = 3;
    auto store = build(ingressYaml("many", hosts, {}), nullptr, {}, options);
    EXPECT_EQ(store->defaultCertificateNames().size(), 3u + 3u);  // + localhost, 127.0.0.1, ::1
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-005"});
    EXPECT_EQ(diagnostics_.items()[0].severity, core::Severity::Info);
}

TEST_F(TlsStoreTest, RebuildReusesContextsOfUnchangedSecrets) {
    const std::string shop = secretFor("shop-tls", {"shop.example.com"});
    const std::string api = secretFor("api-tls", {"api.example.com"});
    const std::string ingresses =
        ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}) +
        ingressYaml("api", {"api.example.com"}, {{{"api.example.com"}, "api-tls"}});
    auto first = build(shop + api + ingresses);
    auto second = build(shop + api + ingresses, first.get());
    EXPECT_EQ(second->select("shop.example.com"), first->select("shop.example.com"));
    EXPECT_EQ(second->defaultContext(), first->defaultContext());

    const std::string api_renewed = secretFor("api-tls", {"api.example.com"});
    auto third = build(shop + api_renewed + ingresses, second.get());
    EXPECT_EQ(third->select("shop.example.com"), first->select("shop.example.com"));
    EXPECT_NE(third->select("api.example.com"), first->select("api.example.com"));

    // A new host without a Secret changes the default certificate's names: a new context.
    auto fourth = build(
        shop + api_renewed + ingresses + ingressYaml("new", {"new.example.com"}, {}), third.get());
    EXPECT_NE(fourth->defaultContext(), third->defaultContext());
    // The old store keeps working after it has been replaced.
    third.reset();
    first.reset();
    EXPECT_EQ(presented(fourth->select("shop.example.com")), "shop.example.com");
}

TEST_F(TlsStoreTest, UnusableOptionsAreADiagnosticAndTheDefaultsServe) {
    TlsOptions options;
    options.ciphers = "NOT-A-CIPHER";
    auto store = build(ingressYaml("plain", {"plain.example.com"}, {}), nullptr, {}, options);
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-004"});
    EXPECT_EQ(store->options(), TlsOptions{});

    options = TlsOptions{};
    options.min_version = TlsVersion::Tls1_3;
    options.max_version = TlsVersion::Tls1_2;
    build(ingressYaml("plain", {"plain.example.com"}, {}), nullptr, {}, options);
    ASSERT_EQ(codes(), std::vector<std::string>{"ILAB-TLS-004"});
}

TEST(HstsTest, DefaultsAreIngressNginxs) {
    EXPECT_EQ(hstsHeaderValue(), "max-age=31536000; includeSubDomains");
}

TEST(HstsTest, EachOptionChangesTheHeader) {
    HstsOptions options;
    options.preload = true;
    EXPECT_EQ(hstsHeaderValue(options), "max-age=31536000; includeSubDomains; preload");
    options.include_subdomains = false;
    options.max_age = 600;
    EXPECT_EQ(hstsHeaderValue(options), "max-age=600; preload");
    options.enabled = false;
    EXPECT_EQ(hstsHeaderValue(options), "");
}

TEST(TlsVersionTest, NamesRoundTrip) {
    for (TlsVersion v :
         {TlsVersion::Tls1_0, TlsVersion::Tls1_1, TlsVersion::Tls1_2, TlsVersion::Tls1_3})
        EXPECT_EQ(parseTlsVersion(tlsVersionName(v)), v);
    EXPECT_FALSE(parseTlsVersion("SSLv3"));
}

}  // namespace
}  // namespace ilab::tls
