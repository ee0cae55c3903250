// ingress-nginx's command-line flags (engine/controllers/nginx_flags.cpp), read as
// pkg/flags/flags.go declares them, and what the honoured ones do: what the controller's store
// sees (store.go: --watch-namespace, --disable-catch-all, --ingress-class-by-name) and who
// answers what no Ingress does (controller.go, getDefaultUpstream: --default-backend-service).
#include "engine/controllers/nginx_flags.h"

#include <string>

#include <gtest/gtest.h>

namespace ilab::controllers {
namespace {

std::vector<ControllerArg> argsOf(std::initializer_list<const char*> texts) {
    std::vector<ControllerArg> out;
    int line = 1;
    for (const char* t : texts)
        out.push_back({t, {std::make_shared<const std::string>("values.yaml"), line++, 3}});
    return out;
}

const Controller& nginx() { return *Registry::builtin().find("ingress-nginx"); }

struct Applied {
    model::LoadOptions load;
    routing::CompileOptions compile;
    core::Diagnostics findings;
};

Applied apply(std::initializer_list<const char*> texts) {
    Applied a;
    a.load = nginx().claiming({});
    nginx().applyArgs(argsOf(texts), a.load, a.compile, a.findings);
    return a;
}

TEST(NginxFlagsTest, TheFlagsThatDecideWhatItServesAreRead) {
    const Applied a = apply({"--watch-namespace", "shop", "--disable-catch-all",
                             "--default-backend-service=shop/fallback",
                             "--controller-class=k8s.io/internal-nginx", "--ingress-class=internal",
                             "--ingress-class-by-name=true", "--watch-ingress-without-class",
                             "--configmap=ingress-nginx/internal"});
    EXPECT_TRUE(a.findings.empty()) << core::formatDiagnostic(a.findings.items()[0]);
    EXPECT_EQ(a.load.watch_namespace, "shop");
    EXPECT_TRUE(a.load.disable_catch_all);
    EXPECT_TRUE(a.load.ingress_class_by_name);
    EXPECT_TRUE(a.load.watch_ingress_without_class);
    EXPECT_EQ(a.load.controller, "k8s.io/internal-nginx");
    EXPECT_EQ(a.load.default_class_name, "internal");
    EXPECT_EQ(a.compile.default_backend_service, "shop/fallback");
    EXPECT_EQ(a.compile.configuration, "ingress-nginx/internal");
    // The last occurrence wins, as in Go's flag package; a boolean takes its value after "=".
    EXPECT_FALSE(apply({"--disable-catch-all", "--disable-catch-all=false"}).load.disable_catch_all);
}

TEST(NginxFlagsTest, MistakesAreSaidAtTheArgumentThatMakesThem) {
    const Applied a = apply({"--disable-catchall", "--disable-catch-all=yes",
                             "--default-backend-service=fallback", "--enable-metrics",
                             "shop", "--watch-namespace"});
    const auto& items = a.findings.items();
    ASSERT_EQ(items.size(), 6u);
    EXPECT_EQ(items[0].code, "ILAB-CONFIG-007");  // unknown: ingress-nginx would not start
    EXPECT_EQ(items[0].location.line, 1);
    EXPECT_EQ(items[0].hint, "did you mean \"disable-catch-all\"?");
    EXPECT_EQ(items[1].code, "ILAB-CONFIG-008");  // not a boolean
    EXPECT_EQ(items[1].location.line, 2);
    EXPECT_EQ(items[2].code, "ILAB-CONFIG-008");  // not namespace/name
    EXPECT_NE(items[2].message.find("is not namespace/name"), std::string::npos);
    EXPECT_EQ(items[3].code, "ILAB-CONFIG-004");  // read by ingress-nginx, not simulated
    EXPECT_EQ(items[3].severity, core::Severity::Info);
    EXPECT_EQ(items[4].code, "ILAB-CONFIG-007");  // a positional argument
    EXPECT_EQ(items[5].code, "ILAB-CONFIG-008");  // a value missing at the end
    EXPECT_FALSE(a.load.disable_catch_all);
    EXPECT_TRUE(a.compile.default_backend_service.empty());
}

TEST(NginxFlagsTest, AControllerWithoutFlagsSaysItIgnoresThem) {
    model::LoadOptions load;
    routing::CompileOptions compile;
    core::Diagnostics findings;
    Registry::builtin().find("spec")->applyArgs(argsOf({"--disable-catch-all"}), load, compile,
                                                findings);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings.items()[0].code, "ILAB-CONFIG-007");
}

const std::string kManifests = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.local
    http:
      paths: [{path: /cart, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: blog, namespace: news}
spec:
  ingressClassName: nginx
  rules:
  - host: blog.local
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: catch-all, namespace: shop}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: fallback, namespace: shop}
spec: {selector: {app: fallback}, ports: [{name: http, port: 8080}, {name: admin, port: 9000}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fallback, namespace: shop}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: fallback}}
  template:
    metadata: {labels: {app: fallback}}
    spec: {containers: [{name: fallback}]}
)";

routing::Decision decide(std::initializer_list<const char*> flags, const std::string& host,
                         const std::string& target, int fallback_replicas = 1) {
    Applied a = apply(flags);
    std::string yaml = kManifests;
    yaml.replace(yaml.find("REPLICAS"), 8, std::to_string(fallback_replicas));
    const auto manifests = model::loadManifestsFromText(yaml, "m.yaml", a.load);
    const auto table = nginx().compile(manifests, a.compile, nullptr);
    routing::Request request;
    request.host = host;
    request.target = target;
    return table->match(request, nullptr);
}

TEST(NginxFlagsTest, WatchNamespaceAndDisableCatchAllLeaveIngressesOut) {
    // (The blog's Service is not in its namespace: 503 when it is served, no matter here.)
    EXPECT_EQ(decide({}, "blog.local", "/").ingress, "news/blog");
    EXPECT_EQ(decide({"--watch-namespace=shop"}, "blog.local", "/").ingress, "shop/catch-all");
    EXPECT_EQ(decide({}, "unknown.local", "/").action, routing::Action::Forward);  // catch-all
    EXPECT_EQ(decide({"--disable-catch-all"}, "unknown.local", "/").status, 404);
}

TEST(NginxFlagsTest, TheDefaultBackendServiceAnswersWhatNoIngressDoesOnItsFirstPort) {
    const std::initializer_list<const char*> flags = {"--disable-catch-all",
                                                      "--default-backend-service=shop/fallback"};
    for (const auto& [host, target] : {std::pair{"unknown.local", "/"}, {"shop.local", "/other"}}) {
        const routing::Decision d = decide(flags, host, target);
        ASSERT_EQ(d.action, routing::Action::Forward) << host << target;
        ASSERT_TRUE(d.backend);
        EXPECT_EQ(d.backend->service, "fallback");
        EXPECT_EQ(d.backend->service_port, 8080);  // the first port, not "admin"
        EXPECT_FALSE(d.ingress);
    }
    EXPECT_EQ(decide(flags, "shop.local", "/cart").backend->service, "web");
    // No ready endpoint, or no such Service: the built-in 404 (its DefaultEndpoint).
    EXPECT_EQ(decide(flags, "unknown.local", "/", 0).status, 404);
    EXPECT_EQ(decide({"--default-backend-service=shop/nothing"}, "shop.local", "/other").status, 404);
}

TEST(NginxFlagsTest, IngressClassByNameClaimsAClassOfAnotherController) {
    const std::string yaml = R"(apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: legacy}
spec: {controller: example.com/old-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: old}
spec: {ingressClassName: legacy, defaultBackend: {service: {name: web, port: {number: 80}}}}
)";
    for (const bool by_name : {false, true}) {
        Applied a = by_name ? apply({"--ingress-class=legacy", "--ingress-class-by-name"})
                            : apply({"--ingress-class=legacy"});
        const auto manifests = model::loadManifestsFromText(yaml, "m.yaml", a.load);
        ASSERT_EQ(manifests.ingresses.size(), 1u);
        EXPECT_EQ(manifests.ingresses[0].claimed, by_name);
    }
}

}  // namespace
}  // namespace ilab::controllers
