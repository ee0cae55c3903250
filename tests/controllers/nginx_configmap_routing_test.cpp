// ingress-nginx's ConfigMap, end to end through its route table: the global settings it
// renders into nginx.conf (rootfs/etc/nginx/template/nginx.tmpl) decide requests as there.
// The block-list semantics were checked on Debian's nginx 1.22 with the same map and deny
// directives the template writes.
#include <string>

#include <gtest/gtest.h>

#include "engine/controllers/controller.h"

namespace ilab::controllers {
namespace {

const std::string kManifests = R"(apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, ports: [{containerPort: 8080}]}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.local
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: office
  annotations:
    nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8
spec:
  ingressClassName: nginx
  rules:
  - host: office.local
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: moved
  annotations:
    nginx.ingress.kubernetes.io/permanent-redirect: /new-home
spec:
  ingressClassName: nginx
  rules:
  - host: moved.local
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
)";

struct Lab {
    model::Manifests manifests;
    std::shared_ptr<const routing::RouteTable> table;
    core::Diagnostics findings;
};

// The manifests above with ingress-nginx's ConfigMap holding `data` (YAML lines, indented 2).
Lab withConfigMap(const std::string& data) {
    const Controller& nginx = *Registry::builtin().find("ingress-nginx");
    Lab lab;
    std::string yaml = kManifests;
    if (!data.empty())
        yaml += "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, "
                "namespace: ingress-nginx}\ndata:\n" + data;
    lab.manifests = model::loadManifestsFromText(yaml, "lab.yaml", nginx.claiming({}));
    lab.table = nginx.compile(lab.manifests, {}, &lab.findings);
    return lab;
}

routing::Decision decide(const Lab& lab, const std::string& host,
                         std::vector<std::pair<std::string, std::string>> headers = {},
                         const std::string& client_ip = "127.0.0.1") {
    routing::Request request;
    request.host = host;
    request.target = "/";
    request.client_ip = client_ip;
    request.headers = std::move(headers);
    return lab.table->match(request, nullptr);
}

TEST(NginxConfigMapRoutingTest, BlockedUserAgentsAreExactIgnoringCaseOrRegexes) {
    const Lab lab = withConfigMap("  block-user-agents: \"BadBot, ~*curl\"\n");
    EXPECT_FALSE(lab.findings.hasErrors());
    for (const char* agent : {"BadBot", "badbot", "curl/8.1", "CURL"}) {
        const auto d = decide(lab, "shop.local", {{"User-Agent", agent}});
        EXPECT_EQ(d.status, 403) << agent;
        EXPECT_NE(d.reason.find("block-user-agents"), std::string::npos) << d.reason;
    }
    for (const char* agent : {"BadBot/1.0", "Mozilla/5.0"})
        EXPECT_EQ(decide(lab, "shop.local", {{"User-Agent", agent}}).action,
                  routing::Action::Forward)
            << agent;
    EXPECT_EQ(decide(lab, "shop.local").action, routing::Action::Forward);  // no User-Agent
    // Before the location's own `return`: a blocked agent gets 403, not the redirect.
    EXPECT_EQ(decide(lab, "moved.local", {{"User-Agent", "BadBot"}}).status, 403);
    EXPECT_EQ(decide(lab, "unknown.local", {{"User-Agent", "BadBot"}}).status, 403);
}

TEST(NginxConfigMapRoutingTest, BlockedReferers) {
    const Lab lab = withConfigMap("  block-referers: \"~spam\\\\.example\"\n");
    EXPECT_EQ(decide(lab, "shop.local", {{"Referer", "http://spam.example/x"}}).status, 403);
    EXPECT_EQ(decide(lab, "shop.local", {{"Referer", "http://spamXexample/"}}).action,
              routing::Action::Forward);
}

TEST(NginxConfigMapRoutingTest, BlockedCidrsAreTheHttpBlocksDenyWhichALocationWithRulesDrops) {
    const Lab lab = withConfigMap("  block-cidrs: \"10.1.0.0/16\"\n");
    const auto blocked = decide(lab, "shop.local", {}, "10.1.2.3");
    EXPECT_EQ(blocked.status, 403);
    EXPECT_NE(blocked.reason.find("block-cidrs 10.1.0.0/16"), std::string::npos) << blocked.reason;
    EXPECT_EQ(decide(lab, "shop.local", {}, "10.2.0.1").action, routing::Action::Forward);
    // whitelist-source-range writes allow/deny in the location: the http block's deny is not
    // inherited there (nginx 1.22: a denied client reached such a location).
    EXPECT_EQ(decide(lab, "office.local", {}, "10.1.2.3").action, routing::Action::Forward);
    // A rewrite-phase `return` comes before the access phase.
    EXPECT_EQ(decide(lab, "moved.local", {}, "10.1.2.3").action, routing::Action::Redirect);
}

TEST(NginxConfigMapRoutingTest, RelativeRedirectsKeepsARelativeLocationAsWritten) {
    EXPECT_EQ(decide(withConfigMap(""), "moved.local").location, "http://moved.local/new-home");
    EXPECT_EQ(decide(withConfigMap("  relative-redirects: \"true\"\n"), "moved.local").location,
              "/new-home");
}

TEST(NginxConfigMapRoutingTest, ProxyBodySizeIsTheDefaultLimit) {
    const Lab lab = withConfigMap("  proxy-body-size: 1k\n");
    routing::Request request;
    request.host = "shop.local";
    request.method = "POST";
    request.content_length = 2000;
    EXPECT_EQ(lab.table->match(request, nullptr).status, 413);
    request.content_length = 1000;
    EXPECT_EQ(lab.table->match(request, nullptr).action, routing::Action::Forward);
}

TEST(NginxConfigMapRoutingTest, ItsFindingsAreTheCompilesAndAnotherConfigMapNameIsHonoured) {
    const Lab lab = withConfigMap("  hsts: \"maybe\"\n");
    bool said = false;
    for (const auto& f : lab.findings.items()) said = said || f.code == "ILAB-CONFIG-002";
    EXPECT_TRUE(said);

    const Controller& nginx = *Registry::builtin().find("ingress-nginx");
    const auto manifests = model::loadManifestsFromText(
        kManifests + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edge}\n"
                     "data: {relative-redirects: \"true\"}\n",
        "lab.yaml", nginx.claiming({}));
    routing::CompileOptions options;
    options.configuration = "default/edge";
    Lab chosen;
    chosen.table = nginx.compile(manifests, options, &chosen.findings);
    EXPECT_EQ(decide(chosen, "moved.local").location, "/new-home");
}

TEST(NginxConfigMapRoutingTest, CustomHeadersNeedTheirNamesAllowedByTheControllersConfigMap) {
    const Controller& nginx = *Registry::builtin().find("ingress-nginx");
    const std::string annotated = kManifests +
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: branded\n"
        "  annotations: {nginx.ingress.kubernetes.io/custom-headers: default/brand}\n"
        "spec:\n  ingressClassName: nginx\n  rules:\n  - host: brand.local\n    http:\n"
        "      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, "
        "port: {number: 80}}}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: brand}\n"
        "data: {X-Brand: lab, X-Team: edge}\n---\n";
    const auto compile = [&](const std::string& allowed) {
        Lab lab;
        lab.manifests = model::loadManifestsFromText(
            annotated + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "
                        "ingress-nginx-controller, namespace: ingress-nginx}\ndata: "
                        "{global-allowed-response-headers: \"" + allowed + "\"}\n",
            "lab.yaml", nginx.claiming({}));
        lab.table = nginx.compile(lab.manifests, {}, &lab.findings);
        return lab;
    };
    const Lab partly = compile("X-Brand");
    EXPECT_EQ(decide(partly, "brand.local").status, 503);
    EXPECT_TRUE(partly.findings.contains("ILAB-NGINX-003"));
    EXPECT_EQ(decide(partly, "shop.local").action, routing::Action::Forward);  // others unaffected

    const Lab allowed = compile("X-Brand, X-Team");
    EXPECT_FALSE(allowed.findings.contains("ILAB-NGINX-003"));
    EXPECT_FALSE(allowed.findings.contains("ILAB-CONFIG-005"));  // the annotation reads "brand"
    const auto d = decide(allowed, "brand.local");
    ASSERT_EQ(d.action, routing::Action::Forward);
    const auto& headers = allowed.table->policies().at("default/branded")->response_headers.headers;
    EXPECT_EQ(headers, (std::vector<std::pair<std::string, std::string>>{{"X-Brand", "lab"},
                                                                          {"X-Team", "edge"}}));
}

// internal/ingress/controller/controller.go, CheckIngress: what Ingresses may say.
TEST(NginxConfigMapRoutingTest, TheConfigMapDecidesWhichAnnotationsAnIngressMayCarry) {
    const Controller& nginx = *Registry::builtin().find("ingress-nginx");
    const auto compile = [&](const std::string& data, const std::string& annotations) {
        Lab lab;
        lab.manifests = model::loadManifestsFromText(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: risky\n"
            "  annotations: " + annotations + "\nspec:\n  ingressClassName: nginx\n  rules:\n"
            "  - host: risky.local\n    http:\n      paths:\n      - {path: /, pathType: Prefix, "
            "backend: {service: {name: web, port: {number: 80}}}}\n---\n" + kManifests +
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, "
            "namespace: ingress-nginx}\ndata:\n" + data,
            "lab.yaml", nginx.claiming({}));
        lab.table = nginx.compile(lab.manifests, {}, &lab.findings);
        return lab;
    };
    const std::string snippet = "{nginx.ingress.kubernetes.io/configuration-snippet: \"more_set_headers 'A: b';\"}";
    // Critical allows snippets by risk; allow-snippet-annotations still has to say yes.
    const Lab critical = compile("  annotations-risk-level: Critical\n", snippet);
    EXPECT_TRUE(critical.findings.contains("ILAB-NGINX-012"));
    EXPECT_EQ(decide(critical, "risky.local").status, 404);  // the Ingress is skipped
    const Lab allowed = compile(
        "  annotations-risk-level: Critical\n  allow-snippet-annotations: \"true\"\n", snippet);
    EXPECT_FALSE(allowed.findings.contains("ILAB-NGINX-012"));
    EXPECT_TRUE(allowed.findings.contains("ILAB-NGINX-009"));  // accepted, not simulated
    EXPECT_EQ(decide(allowed, "risky.local").action, routing::Action::Forward);
    // Lowering the level refuses what the default allows.
    const std::string alias = "{nginx.ingress.kubernetes.io/server-alias: risky.example}";
    EXPECT_EQ(decide(compile("  hsts: \"true\"\n", alias), "risky.local").action,
              routing::Action::Forward);
    const Lab medium = compile("  annotations-risk-level: Medium\n", alias);
    EXPECT_TRUE(medium.findings.contains("ILAB-NGINX-006"));
    EXPECT_EQ(decide(medium, "risky.local").status, 404);
    // A blocklisted word anywhere in a value skips the Ingress.
    const Lab words = compile("  annotation-value-word-blocklist: \"load_module,lua_package\"\n",
                              "{nginx.ingress.kubernetes.io/rewrite-target: /load_module/x}");
    EXPECT_TRUE(words.findings.contains("ILAB-NGINX-012"));
    EXPECT_EQ(decide(words, "risky.local").status, 404);
}

// nginx.tmpl's realip block (real_ip_header, real_ip_recursive on, set_real_ip_from) and
// compute-full-forwarded-for's map; ngx_http_realip_module's right-to-left walk.
TEST(NginxConfigMapRoutingTest, TheClientAddressComesFromTrustedProxiesOnly) {
    const auto client = [](const Lab& lab, std::vector<std::pair<std::string, std::string>> headers,
                           const std::string& peer = "127.0.0.1") {
        const auto d = decide(lab, "shop.local", std::move(headers), peer);
        return d.client_ip.empty() ? peer : d.client_ip;
    };
    const std::vector<std::pair<std::string, std::string>> chain = {
        {"X-Forwarded-For", "198.51.100.1, 203.0.113.7"}, {"X-Forwarded-For", "10.0.0.2"}};
    // Off by default: the peer is the client.
    EXPECT_EQ(client(withConfigMap(""), chain), "127.0.0.1");
    // use-forwarded-headers trusts 0.0.0.0/0: every address is a proxy, so the leftmost wins.
    EXPECT_EQ(client(withConfigMap("  use-forwarded-headers: \"true\"\n"), chain), "198.51.100.1");
    // Only the load balancers trusted: the first untrusted address from the right.
    const Lab trusted = withConfigMap(
        "  use-forwarded-headers: \"true\"\n  proxy-real-ip-cidr: \"127.0.0.1/32, 10.0.0.0/8\"\n"
        "  block-cidrs: \"203.0.113.0/24\"\n");
    EXPECT_EQ(client(trusted, chain), "203.0.113.7");
    EXPECT_EQ(decide(trusted, "shop.local", chain).status, 403);  // block-cidrs sees the client
    // A peer that is not a trusted proxy is not believed.
    EXPECT_EQ(client(trusted, chain, "192.0.2.9"), "192.0.2.9");
    EXPECT_EQ(decide(trusted, "shop.local", chain, "192.0.2.9").action, routing::Action::Forward);
    // enable-real-ip reads the header forwarded-for-header names.
    const Lab cdn = withConfigMap(
        "  enable-real-ip: \"true\"\n  forwarded-for-header: CF-Connecting-IP\n");
    EXPECT_EQ(client(cdn, {{"CF-Connecting-IP", "192.0.2.44"}, {"X-Forwarded-For", "1.2.3.4"}}),
              "192.0.2.44");
    // compute-full-forwarded-for: the client's list plus the peer, sent upstream.
    const Lab full = withConfigMap(
        "  use-forwarded-headers: \"true\"\n  compute-full-forwarded-for: \"true\"\n");
    EXPECT_EQ(decide(full, "shop.local", chain).forwarded_for,
              "198.51.100.1, 203.0.113.7, 10.0.0.2, 127.0.0.1");
    EXPECT_EQ(decide(full, "shop.local").forwarded_for, "");  // none sent: the client's address
}

TEST(NginxConfigMapRoutingTest, EdgeSettingsCarryTlsHstsAndClientLimits) {
    const Controller& nginx = *Registry::builtin().find("ingress-nginx");
    const Lab lab = withConfigMap(
        "  hsts-max-age: \"600\"\n  ssl-protocols: TLSv1.3\n  keep-alive: \"5\"\n");
    const EdgeSettings edge = nginx.edgeSettings(lab.manifests, {});
    EXPECT_EQ(edge.tls.hsts.max_age, 600);
    EXPECT_EQ(edge.tls.min_version, tls::TlsVersion::Tls1_3);
    EXPECT_EQ(edge.keepalive_timeout, std::chrono::seconds(5));
    EXPECT_FALSE(edge.header_timeout.has_value());
    const EdgeSettings defaults = nginx.edgeSettings(withConfigMap("").manifests, {});
    EXPECT_EQ(defaults.tls, tls::TlsOptions{});
    EXPECT_FALSE(defaults.keepalive_timeout.has_value());
}

}  // namespace
}  // namespace ilab::controllers
