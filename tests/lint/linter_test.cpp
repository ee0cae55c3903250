#include "engine/lint/linter.h"

#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "engine/lint/report.h"

namespace ilab::lint {
namespace {

// A self-signed certificate for `dns_name`, valid from now+from_days to now+to_days.
std::string makeCertificate(const std::string& dns_name, long from_days, long to_days) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), to_days * 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(dns_name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    const std::string san = "DNS:" + dns_name;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(cert.get(), key.get(), EVP_sha256());
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string indent(const std::string& text, int spaces) {
    std::string out, pad(static_cast<std::size_t>(spaces), ' ');
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        out += pad + text.substr(pos, end - pos) + "\n";
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

std::string tlsSecret(const std::string& name, const std::string& pem,
                      const std::string& type = "kubernetes.io/tls") {
    return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + "}\ntype: " + type +
           "\nstringData:\n  tls.key: unused\n  tls.crt: |\n" + indent(pem, 4);
}

const std::string kBackends = R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-v2}
spec:
  selector: {app: web-v2}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v2}
spec:
  replicas: 0
  selector: {matchLabels: {app: web-v2}}
  template:
    metadata: {labels: {app: web-v2}}
    spec: {containers: [{name: app}]}
---
)";

class LinterTest : public ::testing::Test {
  protected:
    LintResult run(const std::string& yaml) {
        text_ = kBackends + yaml;
        manifests_ = model::loadManifestsFromText(text_, "lint.yaml");
        return lint(manifests_, controllers::Registry::builtin().standard());
    }
    static const core::Diagnostic* find(const LintResult& r, std::string_view code) {
        for (const auto& d : r.diagnostics.items())
            if (d.code == code) return &d;
        return nullptr;
    }
    // The 1-based line of the last run's text that holds `needle`.
    int lineOf(std::string_view needle) const {
        const auto at = text_.find(needle);
        return 1 + static_cast<int>(
                       std::count(text_.begin(), text_.begin() + static_cast<long>(at), '\n'));
    }
    std::string text_;
    model::Manifests manifests_;
};

std::string ingress(const std::string& name, const std::string& host, const std::string& path,
                    const std::string& service, const std::string& port = "number: 80",
                    const std::string& annotations = "{}") {
    return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name +
           "\n  annotations: " + annotations +
           "\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: " + host +
           "\n    http:\n      paths:\n      - path: " + path +
           "\n        pathType: Prefix\n        backend:\n          service: {name: " + service +
           ", port: {" + port + "}}\n---\n";
}

TEST_F(LinterTest, CleanTopologyHasNoFindings) {
    auto r = run(ingress("shop", "shop.local", "/", "web", "name: http"));
    EXPECT_TRUE(r.diagnostics.empty()) << renderText(r.diagnostics, true);
}

TEST_F(LinterTest, MissingServiceIsAnErrorAtTheServiceName) {
    auto r = run(ingress("shop", "shop.local", "/", "wbe"));
    const auto* d = find(r, "ILAB-LINT-001");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, core::Severity::Error);
    EXPECT_NE(d->hint.find("did you mean \"web\"?"), std::string::npos);
    EXPECT_EQ(d->location.line, lineOf("name: wbe"));
    EXPECT_EQ(d->location.column, 27);  // the value of service.name
}

TEST_F(LinterTest, MissingServicePortIsAnError) {
    auto r = run(ingress("shop", "shop.local", "/", "web", "name: grpc"));
    const auto* d = find(r, "ILAB-LINT-002");
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d->hint.find("http (80)"), std::string::npos);
}

TEST_F(LinterTest, ServiceWithoutPodsNamesTheScaledDownWorkload) {
    auto r = run(ingress("shop", "shop.local", "/", "web-v2"));
    const auto* d = find(r, "ILAB-LINT-003");
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d->hint.find("replicas: 0"), std::string::npos);
}

TEST_F(LinterTest, UnclaimedIngressSaysWhy) {
    auto yaml = ingress("shop", "shop.local", "/", "web");
    yaml.replace(yaml.find("ingressClassName: nginx"), 23, "ingressClassName: haproxy");
    auto r = run(yaml);
    const auto* d = find(r, "ILAB-LINT-010");
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d->message.find("\"haproxy\" does not exist"), std::string::npos);
}

// Issue 13: an IngressClass of a controller the lab does not simulate names the ones it does,
// and its Ingresses are unclaimed with that reason.
TEST_F(LinterTest, AClassOfAnUnknownControllerNamesTheKnownOnes) {
    auto yaml = ingress("shop", "shop.local", "/", "web");
    yaml.replace(yaml.find("ingressClassName: nginx"), 23, "ingressClassName: traefik");
    auto r = run(yaml +
                 "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: traefik}\n"
                 "spec: {controller: traefik.io/ingress-controller}\n---\n");
    const auto* c = find(r, "ILAB-LINT-015");
    ASSERT_NE(c, nullptr);
    EXPECT_NE(c->message.find("\"traefik.io/ingress-controller\", which the lab does not simulate"),
              std::string::npos)
        << c->message;
    EXPECT_NE(c->hint.find("k8s.io/ingress-nginx (ingress-nginx)"), std::string::npos) << c->hint;
    EXPECT_EQ(c->object, "IngressClass traefik");
    EXPECT_GT(c->location.line, 0);
    const auto* u = find(r, "ILAB-LINT-010");
    ASSERT_NE(u, nullptr);
    EXPECT_NE(u->message.find("which the lab does not simulate"), std::string::npos) << u->message;
    EXPECT_NE(u->hint.find("ingress-nginx v1.15"), std::string::npos) << u->hint;
}

// Issue 13 §6: an unclaimed Ingress's dangling backends were not reported at all.
TEST_F(LinterTest, AnUnclaimedIngressStillHasItsBackendsChecked) {
    auto yaml = ingress("shop", "shop.local", "/", "no-such-service");
    yaml.replace(yaml.find("ingressClassName: nginx"), 23, "ingressClassName: haproxy");
    auto r = run(yaml);
    ASSERT_NE(find(r, "ILAB-LINT-010"), nullptr);
    const auto* d = find(r, "ILAB-LINT-001");
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d->message.find("(it is unclaimed now)"), std::string::npos) << d->message;
}

TEST_F(LinterTest, DuplicateHostAndPathNamesTheOlderWinner) {
    auto r = run(ingress("first", "shop.local", "/api", "web") +
                 ingress("second", "shop.local", "/api", "web"));
    const auto* d = find(r, "ILAB-ROUTE-001");
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d->message.find("Ingress default/first is older and wins"), std::string::npos);
    EXPECT_EQ(d->object, "Ingress default/second");
}

TEST_F(LinterTest, CanaryProblemsAreReported) {
    const std::string canary =
        "{nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight: "
        "\"10\"}";
    auto orphan = run(ingress("c", "other.local", "/", "web-v2", "number: 80", canary));
    EXPECT_NE(find(orphan, "ILAB-ROUTE-002"), nullptr);
    auto same = run(ingress("main", "shop.local", "/", "web") +
                    ingress("c", "shop.local", "/", "web", "number: 80", canary));
    EXPECT_NE(find(same, "ILAB-ROUTE-003"), nullptr);
    auto two = run(ingress("main", "shop.local", "/", "web") +
                   ingress("c1", "shop.local", "/", "web-v2", "number: 80", canary) +
                   ingress("c2", "shop.local", "/", "web-v2", "number: 80", canary));
    EXPECT_NE(find(two, "ILAB-ROUTE-004"), nullptr);
}

TEST_F(LinterTest, RegexModeSpreadNamesTheIngressesItChanges) {
    auto r = run(ingress("plain", "shop.local", "/foo/bar/bar", "web") +
                 ingress("regex", "shop.local", "/foo/bar/[a-z]{3}", "web", "number: 80",
                         "{nginx.ingress.kubernetes.io/use-regex: \"true\"}"));
    const auto* spread = find(r, "ILAB-LINT-012");
    ASSERT_NE(spread, nullptr);
    EXPECT_EQ(spread->object, "Ingress default/plain");
    EXPECT_NE(spread->message.find("default/regex"), std::string::npos);
    const auto* shadowed = find(r, "ILAB-LINT-011");
    ASSERT_NE(shadowed, nullptr);
    EXPECT_NE(shadowed->message.find("/foo/bar/bar"), std::string::npos);
}

TEST_F(LinterTest, SnippetDropsTheIngress) {
    auto r = run(ingress(
        "snip", "shop.local", "/", "web", "number: 80",
        "{nginx.ingress.kubernetes.io/configuration-snippet: \"more_set_headers 'A: b';\"}"));
    const auto* d = find(r, "ILAB-NGINX-006");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, core::Severity::Error);
}

TEST_F(LinterTest, TlsSecretProblemsAreFound) {
    auto tlsIngress = [](const std::string& secret) {
        return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: secure}\nspec:\n"
               "  ingressClassName: nginx\n  tls: [{hosts: [shop.local], secretName: " +
               secret +
               "}]\n  rules: [{host: shop.local, http: {paths: [{path: /, pathType: Prefix, "
               "backend: "
               "{service: {name: web, port: {number: 80}}}}]}}]\n---\n";
    };
    EXPECT_NE(find(run(tlsIngress("nope")), "ILAB-LINT-005"), nullptr);
    EXPECT_NE(find(run(tlsIngress("opaque") +
                       tlsSecret("opaque", makeCertificate("shop.local", 0, 30), "Opaque")),
                   "ILAB-LINT-006"),
              nullptr);
    EXPECT_NE(
        find(run(tlsIngress("wrong") + tlsSecret("wrong", makeCertificate("other.local", 0, 30))),
             "ILAB-LINT-007"),
        nullptr);
    EXPECT_NE(
        find(run(tlsIngress("old") + tlsSecret("old", makeCertificate("shop.local", -30, -1))),
             "ILAB-LINT-008"),
        nullptr);
    EXPECT_NE(
        find(run(tlsIngress("future") + tlsSecret("future", makeCertificate("shop.local", 5, 30))),
             "ILAB-LINT-009"),
        nullptr);
    auto good = run(tlsIngress("good") + tlsSecret("good", makeCertificate("*.local", -1, 30)));
    EXPECT_EQ(good.diagnostics.count(core::Severity::Error), 0u)
        << renderText(good.diagnostics, true);
    EXPECT_EQ(find(good, "ILAB-LINT-007"), nullptr);
}

TEST_F(LinterTest, SarifCarriesRulesAndRegions) {
    auto r = run(ingress("shop", "shop.local", "/", "wbe"));
    auto sarif = nlohmann::json::parse(renderSarif(r.diagnostics, "0.1.0"));
    EXPECT_EQ(sarif["version"], "2.1.0");
    const auto& result = sarif["runs"][0]["results"][0];
    EXPECT_EQ(result["ruleId"], "ILAB-LINT-001");
    EXPECT_EQ(result["level"], "error");
    EXPECT_EQ(result["locations"][0]["physicalLocation"]["region"]["startLine"],
              lineOf("name: wbe"));
}

std::string externalName(const std::string& name, const std::string& external_name,
                         const std::string& ports = "[]") {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
           "}\nspec: {type: ExternalName, externalName: " + external_name + ", ports: " + ports +
           "}\n---\n";
}

TEST_F(LinterTest, AnExternalNameServiceNeedsNoPortForABackendNumberButForAName) {
    // ingress-nginx connects to the number itself (controller.go, externalNamePorts).
    auto r = run(ingress("ext", "echo", "/", "ext") + externalName("ext", "api.example.com"));
    EXPECT_TRUE(r.diagnostics.empty()) << renderText(r.diagnostics, true);
    r = run(ingress("ext", "echo", "/", "ext", "name: grpc") +
            externalName("ext", "api.example.com", "[{name: http, port: 80}]"));
    ASSERT_NE(find(r, "ILAB-LINT-002"), nullptr) << renderText(r.diagnostics, true);
    EXPECT_EQ(find(r, "ILAB-LINT-016"), nullptr);
}

TEST_F(LinterTest, AnExternalNameIngressNginxRefusesIsAnErrorSayingWhy) {
    auto loopback = run(ingress("ext", "echo", "/", "ext") + externalName("ext", "localhost"));
    const auto* d = find(loopback, "ILAB-LINT-016");
    ASSERT_NE(d, nullptr) << renderText(loopback.diagnostics, true);
    EXPECT_EQ(d->severity, core::Severity::Error);
    EXPECT_EQ(d->message,
              "ExternalName Service \"default/ext\" gets no endpoint: ingress-nginx refuses the "
              "loopback name \"localhost\"; requests get 503");
    EXPECT_EQ(d->location.line, lineOf("name: ext,"));

    auto invalid =
        run(ingress("ext", "echo", "/", "ext") + externalName("ext", "'1#invalid.hostname'"));
    d = find(invalid, "ILAB-LINT-016");
    ASSERT_NE(d, nullptr) << renderText(invalid.diagnostics, true);
    EXPECT_NE(d->message.find("not a valid DNS name"), std::string::npos) << d->message;
    EXPECT_NE(d->hint.find("RFC 1123 subdomain"), std::string::npos) << d->hint;

    auto port_zero =
        run(ingress("ext", "echo", "/", "ext") +
            externalName("ext", "api.example.com", "[{name: http, port: 80, targetPort: http}]"));
    d = find(port_zero, "ILAB-LINT-016");
    ASSERT_NE(d, nullptr) << renderText(port_zero.diagnostics, true);
    EXPECT_NE(d->message.find("port 0"), std::string::npos) << d->message;
}

}  // namespace
}  // namespace ilab::lint
