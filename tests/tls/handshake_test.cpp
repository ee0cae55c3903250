// Real TLS handshakes, in memory: a client SSL and a server SSL on the listener context the
// proxy would use, joined by a BIO pair. Each test proves what a client sees.
#include <cstring>

#include <gtest/gtest.h>

#include "engine/model/manifests.h"
#include "engine/tls/tls_store.h"
#include "tests/tls/tls_test_support.h"

namespace ilab::tls {
namespace {

using testing::clientContext;
using testing::handshake;
using testing::ingressYaml;
using testing::secretYaml;

bool contains(const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
}

class HandshakeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        lab_ca_ = new CertificateAuthority(testing::makeCa());
        user_ca_ = new CertificateAuthority(testing::makeCa());
        shop_ = new IssuedCertificate(*user_ca_->issue({"shop.example.com"}));
        wild_ = new IssuedCertificate(*user_ca_->issue({"*.apps.example.com"}));
    }
    static void TearDownTestSuite() {
        delete shop_;
        delete wild_;
        delete lab_ca_;
        delete user_ca_;
    }

    void SetUp() override { store_ = build(TlsOptions{}); }

    std::shared_ptr<const TlsStore> build(const TlsOptions& options,
                                          const IssuedCertificate* shop = nullptr) {
        if (!shop) shop = shop_;
        manifests_ = model::loadManifestsFromText(
            secretYaml("shop-tls", shop->certificatePem(), shop->keyPem()) +
                secretYaml("apps-tls", wild_->certificatePem(), wild_->keyPem()) +
                secretYaml("broken-tls", shop->certificatePem(), wild_->keyPem()) +
                ingressYaml("shop", {"shop.example.com"}, {{{"shop.example.com"}, "shop-tls"}}) +
                ingressYaml("apps", {"*.apps.example.com"},
                            {{{"*.apps.example.com"}, "apps-tls"}}) +
                ingressYaml("broken", {"broken.example.com"},
                            {{{"broken.example.com"}, "broken-tls"}}) +
                ingressYaml("plain", {"plain.example.com"}, {}),
            "lab.yaml");
        core::Diagnostics diagnostics;
        auto store = TlsStore::build(manifests_, *lab_ca_, options, diagnostics);
        EXPECT_EQ(diagnostics.size(), 1u);  // ILAB-TLS-001 for broken-tls
        return store;
    }

    // The listener context the proxy accepts on, switching by SNI through `store`.
    static SslCtxPtr listener(const TlsStore& store) {
        SslCtxPtr ctx = makeServerContext(store.options());
        installSniCallback(ctx.get(), &store);
        return ctx;
    }

    static inline CertificateAuthority* lab_ca_ = nullptr;
    static inline CertificateAuthority* user_ca_ = nullptr;
    static inline IssuedCertificate* shop_ = nullptr;
    static inline IssuedCertificate* wild_ = nullptr;
    model::Manifests manifests_;
    std::shared_ptr<const TlsStore> store_;
};

TEST_F(HandshakeTest, SniPicksTheSecretsCertificate) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext(user_ca_->certificate());
    auto r = handshake(client.get(), server.get(), "shop.example.com", "shop.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(X509_cmp(r.peerCertificate(), shop_->certificate.get()), 0);
    EXPECT_EQ(SSL_get_verify_result(r.client.get()), X509_V_OK);
}

TEST_F(HandshakeTest, WildcardHostPresentsTheWildcardCertificate) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext(user_ca_->certificate());
    auto r = handshake(client.get(), server.get(), "eu.apps.example.com", "eu.apps.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(X509_cmp(r.peerCertificate(), wild_->certificate.get()), 0);
}

TEST_F(HandshakeTest, HostWithoutASecretGetsTheDefaultCertificateTrustedThroughTheLabCa) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext(lab_ca_->certificate());  // curl --cacert ca.crt
    auto r = handshake(client.get(), server.get(), "plain.example.com", "plain.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(X509_cmp(r.peerCertificate(), store_->defaultCertificate()), 0);
}

TEST_F(HandshakeTest, NoSniGetsTheDefaultCertificateForLocalhost) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext(lab_ca_->certificate());
    auto r = handshake(client.get(), server.get(), "", "localhost");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(X509_cmp(r.peerCertificate(), store_->defaultCertificate()), 0);
}

TEST_F(HandshakeTest, HostWithABrokenSecretFailsVerificationAsAgainstIngressNginx) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext(lab_ca_->certificate());
    auto r = handshake(client.get(), server.get(), "broken.example.com", "broken.example.com");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(contains(r.client_error, "certificate verify failed")) << r.client_error;
    EXPECT_EQ(SSL_get_verify_result(r.client.get()), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(HandshakeTest, Tls13IsNegotiatedByDefault) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext();
    auto r = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(SSL_version(r.server.get()), TLS1_3_VERSION);
}

TEST_F(HandshakeTest, Tls12IsAcceptedWithACipherFromIngressNginxsList) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext();
    SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
    auto r = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(SSL_version(r.server.get()), TLS1_2_VERSION);
    // The server's order decides: the first of ingress-nginx's list that fits an ECDSA key.
    EXPECT_STREQ(SSL_get_cipher_name(r.server.get()), "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_F(HandshakeTest, RsaSecretIsServedWithAnEcdheRsaCipher) {
    // Most real Secrets hold RSA keys; ingress-nginx's list pairs them with ECDHE-RSA.
    EvpPkeyPtr rsa(EVP_RSA_gen(2048));
    X509Ptr cert = testing::selfSigned(rsa.get(), "rsa.example.com");
    model::Manifests m = model::loadManifestsFromText(
        secretYaml("rsa-tls", toPem(cert.get()), toPem(rsa.get())) +
            ingressYaml("rsa", {"rsa.example.com"}, {{{"rsa.example.com"}, "rsa-tls"}}),
        "rsa.yaml");
    core::Diagnostics diagnostics;
    auto store = TlsStore::build(m, *lab_ca_, TlsOptions{}, diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    SslCtxPtr server = listener(*store);
    SslCtxPtr client = clientContext(cert.get());
    SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
    auto r = handshake(client.get(), server.get(), "rsa.example.com", "rsa.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_STREQ(SSL_get_cipher_name(r.server.get()), "ECDHE-RSA-AES128-GCM-SHA256");
}

TEST_F(HandshakeTest, Tls12CipherOutsideTheListIsRefused) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext();
    SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(client.get(), "ECDHE-ECDSA-AES128-SHA256");  // CBC, not in the list
    auto r = handshake(client.get(), server.get(), "shop.example.com");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(contains(r.server_error, "no shared cipher")) << r.server_error;
}

// A client that can still speak TLS 1.1: security level 0 allows its SHA-1 signatures.
SslCtxPtr tls11Client() {
    SslCtxPtr client = clientContext();
    SSL_CTX_set_min_proto_version(client.get(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(client.get(), TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(client.get(), "DEFAULT:@SECLEVEL=0");
    return client;
}

TEST_F(HandshakeTest, Tls11IsRefused) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = tls11Client();
    auto r = handshake(client.get(), server.get(), "shop.example.com");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(contains(r.server_error, "unsupported protocol")) << r.server_error;
    EXPECT_TRUE(contains(r.client_error, "protocol version")) << r.client_error;
}

TEST_F(HandshakeTest, Tls11IsAcceptedOnlyWhenConfigured) {
    // The control for the test above: the same client succeeds once the lab is told to allow
    // TLS 1.1 (ssl-protocols "TLSv1.1 TLSv1.2 TLSv1.3" with a legacy cipher).
    TlsOptions options;
    options.min_version = TlsVersion::Tls1_1;
    options.ciphers = "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0";
    auto legacy = build(options);
    SslCtxPtr server = listener(*legacy);
    SslCtxPtr client = tls11Client();
    auto r = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(SSL_version(r.server.get()), TLS1_1_VERSION);
}

TEST_F(HandshakeTest, AlpnSelectsHttp11) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext();
    static const unsigned char kOffer[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(client.get(), kOffer, sizeof kOffer);
    auto r = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    const unsigned char* selected = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(r.client.get(), &selected, &length);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(selected), length), "http/1.1");
}

TEST_F(HandshakeTest, AlpnWithoutHttp11IsRefused) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext();
    static const unsigned char kOffer[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(client.get(), kOffer, sizeof kOffer);
    auto r = handshake(client.get(), server.get(), "shop.example.com");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(contains(r.client_error, "no application protocol")) << r.client_error;
}

TEST_F(HandshakeTest, Tls12SessionsResumeByIdWithoutTickets) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext();
    SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
    auto first = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(first.ok);
    SslSessionPtr session(SSL_get1_session(first.client.get()));
    EXPECT_EQ(SSL_SESSION_has_ticket(session.get()), 0);  // ssl-session-tickets false

    auto again = handshake(client.get(), server.get(), "shop.example.com", {}, session.get());
    ASSERT_TRUE(again.ok);
    EXPECT_EQ(SSL_session_reused(again.client.get()), 1);

    // A session made with one certificate is never resumed under another.
    auto other = handshake(client.get(), server.get(), "eu.apps.example.com", {}, session.get());
    ASSERT_TRUE(other.ok);
    EXPECT_EQ(SSL_session_reused(other.client.get()), 0);
    EXPECT_EQ(X509_cmp(other.peerCertificate(), wild_->certificate.get()), 0);
}

TEST_F(HandshakeTest, Tls13SessionsResumeFromTheServerCache) {
    SslCtxPtr server = listener(*store_);
    SslCtxPtr client = clientContext();
    auto first = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(first.ok);
    testing::readPostHandshake(first.client.get());
    SslSessionPtr session(SSL_get1_session(first.client.get()));
    ASSERT_TRUE(SSL_SESSION_is_resumable(session.get()));
    auto again = handshake(client.get(), server.get(), "shop.example.com", {}, session.get());
    ASSERT_TRUE(again.ok);
    EXPECT_EQ(SSL_session_reused(again.client.get()), 1);
}

TEST_F(HandshakeTest, ReloadThroughTheSlotChangesTheCertificate) {
    TlsStoreSlot slot;
    SslCtxPtr server = makeServerContext(TlsOptions{});
    installSniCallback(server.get(), &slot);
    SslCtxPtr client = clientContext();

    auto empty = handshake(client.get(), server.get(), "shop.example.com");
    EXPECT_FALSE(empty.ok);  // nothing published yet
    EXPECT_TRUE(contains(empty.client_error, "internal error")) << empty.client_error;

    slot.publish(store_);
    auto before = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(before.ok);
    EXPECT_EQ(X509_cmp(before.peerCertificate(), shop_->certificate.get()), 0);

    IssuedCertificate renewed = *user_ca_->issue({"shop.example.com"});
    slot.publish(build(TlsOptions{}, &renewed));
    auto after = handshake(client.get(), server.get(), "shop.example.com");
    ASSERT_TRUE(after.ok);
    EXPECT_EQ(X509_cmp(after.peerCertificate(), renewed.certificate.get()), 0);
}

TEST_F(HandshakeTest, HandshakeInFlightFinishesOnTheStoreItStartedWith) {
    TlsStoreSlot slot;
    SslCtxPtr server = makeServerContext(TlsOptions{});
    installSniCallback(server.get(), &slot);
    SslCtxPtr client = clientContext(user_ca_->certificate());
    slot.publish(store_);
    IssuedCertificate renewed = *user_ca_->issue({"shop.example.com"});
    auto r =
        handshake(client.get(), server.get(), "shop.example.com", "shop.example.com", nullptr, [&] {
            // A reload lands mid-handshake and the old store is released.
            slot.publish(build(TlsOptions{}, &renewed));
            store_.reset();
        });
    ASSERT_TRUE(r.ok) << r.client_error << " / " << r.server_error;
    EXPECT_EQ(X509_cmp(r.peerCertificate(), shop_->certificate.get()), 0);
}

}  // namespace
}  // namespace ilab::tls
