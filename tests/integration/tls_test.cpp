// HTTPS in the live lab, end to end: a real TLS client against the proxy's HTTPS listener,
// certificates generated at test time, the lab CA in a temporary directory.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include "engine/lab/lab.h"
#include "engine/tls/certificate_authority.h"
#include "tests/support/http_client.h"
#include "tests/tls/tls_test_support.h"

namespace ilab::lab {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::HttpsConnection;
using testing::TlsClientOptions;

std::string backend(const std::string& name) {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
           "}\nspec:\n  selector: {app: " + name +
           "}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n---\napiVersion: "
           "apps/v1\nkind: Deployment\nmetadata: {name: " +
           name + "}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: " + name +
           "}}\n  template:\n    metadata: {labels: {app: " + name +
           "}}\n    spec: {containers: [{name: app, ports: [{containerPort: 8080}]}]}\n---\n";
}

// An Ingress routing `host` to `service`; `tls_secret` adds a tls entry for the host ("-" for
// one without secretName, "" for no tls section).
std::string ingress(const std::string& name, const std::string& host, const std::string& service,
                    const std::string& tls_secret = "") {
    std::string y = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: " + name +
                    "}\nspec:\n  ingressClassName: nginx\n";
    if (tls_secret == "-")
        y += "  tls: [{hosts: [" + host + "]}]\n";
    else if (!tls_secret.empty())
        y += "  tls: [{hosts: [" + host + "], secretName: " + tls_secret + "}]\n";
    return y + "  rules:\n  - host: " + host +
           "\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
           "        backend:\n          service: {name: " +
           service + ", port: {number: 80}}\n---\n";
}

class TlsTest : public ::testing::Test {
  protected:
    // The users' own CA: it issues the certificates in their Secrets, and the lab knows nothing
    // of it, so a client that verifies against it proves the Secret's certificate was served.
    static void SetUpTestSuite() {
        user_ca_ = new tls::CertificateAuthority(tls::testing::makeCa());
    }
    static void TearDownTestSuite() {
        delete user_ca_;
        user_ca_ = nullptr;
    }

    void SetUp() override {
        ASSERT_FALSE(temp_.path().empty());
        user_ca_file_ = (temp_.path() / "user-ca.crt").string();
        std::ofstream(user_ca_file_) << user_ca_->certificatePem();
    }

    // A kubernetes.io/tls Secret holding a fresh certificate for `hosts` from the users' CA.
    static std::string secret(const std::string& name, const std::vector<std::string>& hosts) {
        const auto issued = user_ca_->issue(hosts);
        EXPECT_TRUE(issued);
        return tls::testing::secretYaml(name, issued->certificatePem(), issued->keyPem());
    }

    void start(const std::string& manifests) {
        LabOptions options;
        options.http = {"127.0.0.1", 0};
        options.https = proxy::ListenerSpec{"127.0.0.1", 0};
        options.ca_directory = (temp_.path() / "lab-ca").string();
        options.cluster.ephemeral_ports = true;
        options.proxy.limits.handshake_timeout = std::chrono::milliseconds(300);
        core::Diagnostics diagnostics;
        lab_ = Lab::startFromText(manifests, options, diagnostics);
        ASSERT_NE(lab_, nullptr);
        ASSERT_FALSE(diagnostics.hasErrors()) << core::formatDiagnostic(diagnostics.items()[0]);
        ASSERT_NE(lab_->httpsPort(), 0);
        ASSERT_EQ(lab_->caCertificatePath(), (temp_.path() / "lab-ca" / "ca.crt").string());
    }

    HttpsConnection client(const std::string& server_name, const std::string& ca_file,
                           int max_version = 0) {
        TlsClientOptions options;
        options.server_name = server_name;
        options.ca_file = ca_file;
        options.max_version = max_version;
        return HttpsConnection("127.0.0.1", lab_->httpsPort(), options);
    }

    static nlohmann::json json(const std::optional<testing::HttpResponse>& response) {
        EXPECT_TRUE(response);
        if (!response) return {};
        EXPECT_EQ(response->status, 200) << response->body;
        return nlohmann::json::parse(response->body, nullptr, false);
    }

    static inline tls::CertificateAuthority* user_ca_ = nullptr;
    tls::testing::TempDir temp_;
    std::string user_ca_file_;
    std::unique_ptr<Lab> lab_;
};

TEST_F(TlsTest, SniPicksTheSecretsCertificate) {
    start(secret("shop-tls", {"shop.local"}) + ingress("shop", "shop.local", "web", "shop-tls") +
          backend("web"));
    auto https = client("shop.local", user_ca_file_);
    ASSERT_TRUE(https.handshake()) << https.error();
    EXPECT_THAT(https.peerNames(), ElementsAre("DNS:shop.local"));
    EXPECT_EQ(json(https.request("GET", "/", {{"Host", "shop.local"}}))["service"], "web");

    // The lab CA did not issue it.
    auto lab_trust = client("shop.local", lab_->caCertificatePath());
    EXPECT_FALSE(lab_trust.handshake());
    EXPECT_THAT(lab_trust.error(), ::testing::HasSubstr("certificate verify failed"));
}

TEST_F(TlsTest, HostWithoutASecretGetsTheDefaultCertificateIssuedByTheLabCa) {
    start(ingress("blog", "blog.local", "blog", "-") + ingress("plain", "plain.local", "web") +
          backend("blog") + backend("web"));
    for (const std::string host : {"blog.local", "plain.local"}) {
        auto https = client(host, lab_->caCertificatePath());
        ASSERT_TRUE(https.handshake()) << host << ": " << https.error();
        EXPECT_EQ(https.peerIssuer(), "Ingress Lab CA");
        EXPECT_THAT(https.peerNames(), Contains("DNS:" + host));
        EXPECT_THAT(https.peerNames(), Contains("DNS:localhost"));
        EXPECT_THAT(https.peerNames(), Contains("IP:127.0.0.1"));
    }
    // No SNI at all (a URL with an IP address): the default certificate too.
    auto by_address = client("", lab_->caCertificatePath());
    ASSERT_TRUE(by_address.handshake()) << by_address.error();
    EXPECT_EQ(by_address.peerIssuer(), "Ingress Lab CA");
    EXPECT_EQ(json(by_address.request("GET", "/", {{"Host", "blog.local"}}))["service"], "blog");
}

TEST_F(TlsTest, SniPicksTheCertificateAndHostPicksTheRoute) {
    // conformance #65: SNI a.com with Host b.com is routed by Host, as nginx does.
    start(secret("a-tls", {"a.com"}) + ingress("a", "a.com", "svc-a", "a-tls") +
          ingress("b", "b.com", "svc-b") + backend("svc-a") + backend("svc-b"));
    auto https = client("a.com", user_ca_file_);
    ASSERT_TRUE(https.handshake()) << https.error();
    EXPECT_THAT(https.peerNames(), ElementsAre("DNS:a.com"));
    EXPECT_EQ(json(https.request("GET", "/", {{"Host", "b.com"}}))["service"], "svc-b");
    EXPECT_EQ(json(https.request("GET", "/", {{"Host", "a.com"}}))["service"], "svc-a");
}

TEST_F(TlsTest, PodSeesTheRequestAsHttps) {
    start(secret("shop-tls", {"shop.local"}) + ingress("shop", "shop.local", "web", "shop-tls") +
          backend("web"));
    auto https = client("shop.local", user_ca_file_);
    auto j = json(https.request("GET", "/cart?x=1", {{"Host", "shop.local"}}));
    const auto& headers = j["headers"];
    EXPECT_EQ(headers["X-Forwarded-Proto"], "https");
    EXPECT_EQ(headers["X-Forwarded-Scheme"], "https");
    EXPECT_EQ(headers["X-Scheme"], "https");
    EXPECT_EQ(headers["X-Forwarded-Port"], std::to_string(lab_->httpsPort()));
    EXPECT_EQ(headers["X-Forwarded-Host"], "shop.local");
    EXPECT_EQ(headers["Host"], "shop.local");
    EXPECT_EQ(j["path"], "/cart");
    EXPECT_EQ(https.protocol(), "TLSv1.3");
}

TEST_F(TlsTest, HstsOnceOnHttpsResponsesOfHostsWithTls) {
    start(secret("shop-tls", {"shop.local"}) + ingress("shop", "shop.local", "web", "shop-tls") +
          ingress("plain", "plain.local", "web") + backend("web"));
    auto https = client("shop.local", user_ca_file_);
    auto forwarded = https.request("GET", "/", {{"Host", "shop.local"}});
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded->header_counts["strict-transport-security"], 1);
    EXPECT_EQ(forwarded->header("strict-transport-security"),
              "max-age=31536000; includeSubDomains");
    // The controller's own answers carry it too (413: Content-Length over proxy-body-size).
    auto too_big =
        client("shop.local", user_ca_file_)
            .raw("POST / HTTP/1.1\r\nHost: shop.local\r\nContent-Length: 2000000\r\n\r\n");
    ASSERT_TRUE(too_big);
    EXPECT_EQ(too_big->status, 413);
    EXPECT_EQ(too_big->header_counts["strict-transport-security"], 1);

    // A host without TLS configured gets none, even over HTTPS; plain HTTP never does.
    auto plain_host = https.request("GET", "/", {{"Host", "plain.local"}});
    ASSERT_TRUE(plain_host);
    EXPECT_EQ(plain_host->status, 200);
    EXPECT_EQ(plain_host->header_counts.count("strict-transport-security"), 0u);
    auto http = testing::httpGet(lab_->httpPort(), "plain.local", "/");
    ASSERT_TRUE(http);
    EXPECT_EQ(http->header_counts.count("strict-transport-security"), 0u);
}

// ingress-nginx's ConfigMap, over real sockets: HSTS and the protocol range come from it, a
// blocked User-Agent gets 403, and an edit applies on reload (issue 13, section 4).
TEST_F(TlsTest, TheControllersConfigMapSetsHstsProtocolsAndBlockListsLive) {
    const auto config = [](const std::string& hsts_max_age) {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, "
               "namespace: ingress-nginx}\ndata:\n  hsts-max-age: \"" + hsts_max_age +
               "\"\n  hsts-preload: \"true\"\n  ssl-protocols: TLSv1.3\n"
               "  block-user-agents: \"~*badbot\"\n---\n";
    };
    const std::string base = secret("shop-tls", {"shop.local"}) +
                             ingress("shop", "shop.local", "web", "shop-tls") + backend("web");
    start(base + config("600"));
    auto https = client("shop.local", user_ca_file_);
    auto response = https.request("GET", "/", {{"Host", "shop.local"}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->header("strict-transport-security"), "max-age=600; includeSubDomains; preload");
    EXPECT_EQ(https.protocol(), "TLSv1.3");
    EXPECT_FALSE(client("shop.local", user_ca_file_, TLS1_2_VERSION).handshake());

    auto blocked = testing::httpGet(lab_->httpPort(), "shop.local", "/", {{"User-Agent", "BadBot/2"}});
    ASSERT_TRUE(blocked);
    EXPECT_EQ(blocked->status, 403);

    core::Diagnostics diagnostics;
    ASSERT_TRUE(lab_->reloadFromText(base + config("60"), diagnostics));
    auto reloaded = client("shop.local", user_ca_file_).request("GET", "/", {{"Host", "shop.local"}});
    ASSERT_TRUE(reloaded);
    EXPECT_EQ(reloaded->header("strict-transport-security"), "max-age=60; includeSubDomains; preload");
}

TEST_F(TlsTest, TlsOneOneIsRefusedAndOneTwoServed) {
    start(ingress("shop", "shop.local", "web", "-") + backend("web"));
    // OpenSSL 3 offers TLS 1.1 only at security level 0; then it is the server that refuses.
    TlsClientOptions tls11;
    tls11.server_name = "shop.local";
    tls11.min_version = tls11.max_version = TLS1_1_VERSION;
    tls11.ciphers = "DEFAULT@SECLEVEL=0";
    HttpsConnection old("127.0.0.1", lab_->httpsPort(), tls11);
    EXPECT_FALSE(old.handshake());
    EXPECT_THAT(old.error(), ::testing::HasSubstr("protocol version"));

    auto tls12 = client("shop.local", lab_->caCertificatePath(), TLS1_2_VERSION);
    ASSERT_TRUE(tls12.handshake()) << tls12.error();
    EXPECT_EQ(tls12.protocol(), "TLSv1.2");
    EXPECT_EQ(json(tls12.request("GET", "/", {{"Host", "shop.local"}}))["service"], "web");
    const auto counters = lab_->counters();
    EXPECT_EQ(counters.tls_handshake_failures, 1u);
    EXPECT_EQ(counters.tls_handshakes, 1u);
}

// Issue 14, item 8: ingress-nginx redirects to https://shop.local/cart (port 443), where the
// lab does not listen, so `curl -L` failed. The live lab names its own HTTPS port; the decision
// core (explain) keeps the controller's answer.
TEST_F(TlsTest, PlainHttpRedirectsTlsHostsWith308ToTheLabsHttpsPort) {
    start(secret("shop-tls", {"shop.local"}) + ingress("shop", "shop.local", "web", "shop-tls") +
          backend("web"));
    auto response = testing::httpGet(lab_->httpPort(), "shop.local", "/cart/?a=1");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 308);
    const std::string port = std::to_string(lab_->httpsPort());
    EXPECT_EQ(response->header("location"), "https://shop.local:" + port + "/cart/?a=1");
    routing::Request request;
    request.host = "shop.local";
    request.target = "/cart/?a=1";
    EXPECT_EQ(lab_->routeTable()->match(request, nullptr).location, "https://shop.local/cart/?a=1");
    // Following it reaches the lab.
    auto https = client("shop.local", user_ca_file_);
    ASSERT_TRUE(https.handshake()) << https.error();
    EXPECT_EQ(json(https.request("GET", "/cart/?a=1", {{"Host", "shop.local"}}))["service"], "web");
}

TEST_F(TlsTest, HotReloadServesANewSecretOnTheNextHandshake) {
    const std::string base =
        ingress("shop", "shop.local", "web") + backend("web") + backend("blog");
    start(base);
    {
        // Unknown to the lab yet: the default certificate, which does not name it.
        auto before = client("blog.local", user_ca_file_);
        EXPECT_FALSE(before.handshake());
    }
    core::Diagnostics diagnostics;
    ASSERT_TRUE(lab_->reloadFromText(base + secret("blog-tls", {"blog.local"}) +
                                         ingress("blog", "blog.local", "blog", "blog-tls"),
                                     diagnostics));
    EXPECT_FALSE(diagnostics.hasErrors());
    auto after = client("blog.local", user_ca_file_);
    ASSERT_TRUE(after.handshake()) << after.error();
    EXPECT_THAT(after.peerNames(), ElementsAre("DNS:blog.local"));
    EXPECT_EQ(json(after.request("GET", "/", {{"Host", "blog.local"}}))["service"], "blog");
}

TEST_F(TlsTest, StalledHandshakeIsCutOffAndConnectionCloseEndsWithCloseNotify) {
    start(ingress("shop", "shop.local", "web", "-") + backend("web"));
    // Connects and never sends a ClientHello: closed at the handshake timeout (300 ms here).
    testing::HttpConnection silent("127.0.0.1", lab_->httpsPort());
    EXPECT_TRUE(silent.closedWithin(std::chrono::seconds(3)));

    auto https = client("shop.local", lab_->caCertificatePath());
    auto response = https.request("GET", "/", {{"Host", "shop.local"}, {"Connection", "close"}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_TRUE(https.closeNotifyWithin(std::chrono::seconds(3)));
    EXPECT_EQ(lab_->counters().tls_handshake_failures, 1u);
}

TEST_F(TlsTest, PlainHttpOnTheHttpsPortGetsA400) {
    start(ingress("shop", "shop.local", "web", "-") + backend("web"));
    auto response = testing::HttpConnection("127.0.0.1", lab_->httpsPort())
                        .request("GET", "/", {{"Host", "shop.local"}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_TRUE(response->connection_closed);
}

}  // namespace
}  // namespace ilab::lab
