// The controller registry and the spec-only plug-in (docs/controllers.md): the same manifests
// under ingress-nginx and under the Ingress specification alone, decided by each one's table.
#include "engine/controllers/controller.h"

#include <string>

#include <gtest/gtest.h>

namespace ilab::controllers {
namespace {

const std::string kBackend = R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
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
)";

std::string ingress(const std::string& path, const std::string& annotations = "{}",
                    const std::string& extra_spec = "") {
    return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\n"
           "  annotations: " + annotations + "\nspec:\n  ingressClassName: nginx\n" + extra_spec +
           "  rules:\n  - host: shop.local\n    http:\n      paths:\n      - path: " + path +
           "\n        pathType: Prefix\n        backend:\n          service: {name: web, port: "
           "{number: 80}}\n---\n";
}

const std::string kNginxClass =
    "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\n"
    "spec: {controller: k8s.io/ingress-nginx}\n---\n";

struct Compiled {
    model::Manifests manifests;
    std::shared_ptr<const routing::RouteTable> table;
    core::Diagnostics findings;
};

Compiled compileWith(const Controller& controller, const std::string& yaml) {
    Compiled r;
    r.manifests = model::loadManifestsFromText(yaml, "c.yaml", controller.claiming({}));
    r.table = controller.compile(r.manifests, {}, &r.findings);
    return r;
}

routing::Decision decide(const Compiled& r, const std::string& target, const std::string& scheme = "http") {
    routing::Request request;
    request.host = "shop.local";
    request.target = target;
    request.scheme = scheme;
    return r.table->match(request, nullptr);
}

const Controller& nginx() { return *Registry::builtin().find("ingress-nginx"); }
const Controller& spec() { return *Registry::builtin().find("spec"); }

TEST(RegistryTest, FindsEachControllerByClassControllerOrId) {
    const Registry& registry = Registry::builtin();
    ASSERT_NE(registry.find("k8s.io/ingress-nginx"), nullptr);
    EXPECT_EQ(registry.find("k8s.io/ingress-nginx"), registry.find("ingress-nginx"));
    EXPECT_EQ(registry.find("ingress-lab.dev/spec"), registry.find("spec"));
    EXPECT_EQ(registry.find("traefik.io/ingress-controller"), nullptr);
    EXPECT_EQ(registry.find(""), nullptr);
    EXPECT_EQ(registry.standard().id(), "ingress-nginx");
    EXPECT_EQ(registry.describeKnown(),
              "k8s.io/ingress-nginx (ingress-nginx), ingress-lab.dev/spec (spec)");
    model::LoadOptions load;
    load.controller = "example.com/unknown";
    EXPECT_EQ(controllerFor(load).id(), "ingress-nginx");  // the standard one runs
}

TEST(RegistryTest, TheTableNamesTheControllerThatCompiledIt) {
    EXPECT_EQ(compileWith(nginx(), kBackend + ingress("/")).table->options().controller_id,
              "ingress-nginx");
    EXPECT_EQ(compileWith(spec(), kBackend + ingress("/")).table->options().controller_id, "spec");
}

// ingress-nginx claims by its IngressClass; the spec-only controller stands in for any
// conformant one and claims every Ingress, whatever class it names.
TEST(SpecControllerTest, ClaimsEveryIngressWhateverItsClass) {
    std::string yaml = kBackend + ingress("/");
    yaml.replace(yaml.find("ingressClassName: nginx"), 23, "ingressClassName: haproxy");
    EXPECT_FALSE(compileWith(nginx(), yaml).manifests.ingresses[0].claimed);
    EXPECT_TRUE(compileWith(spec(), yaml).manifests.ingresses[0].claimed);
    EXPECT_EQ(decide(compileWith(spec(), yaml), "/x").action, routing::Action::Forward);
}

TEST(SpecControllerTest, HonoursNoAnnotationAndSaysWhichItIgnored) {
    const std::string yaml =
        kNginxClass + kBackend +
        ingress("/api", "{nginx.ingress.kubernetes.io/rewrite-target: /, "
                        "kubectl.kubernetes.io/last-applied-configuration: x}");
    const auto on_nginx = decide(compileWith(nginx(), yaml), "/api/items");
    ASSERT_EQ(on_nginx.action, routing::Action::Forward);
    EXPECT_EQ(on_nginx.upstream.path, "/");  // rewritten
    const Compiled on_spec = compileWith(spec(), yaml);
    const auto d = decide(on_spec, "/api/items");
    ASSERT_EQ(d.action, routing::Action::Forward);
    EXPECT_EQ(d.upstream.path, "/api/items");  // as sent
    const core::Diagnostic* note = nullptr;
    for (const auto& f : on_spec.findings.items())
        if (f.code == "ILAB-SPEC-001") note = &f;
    ASSERT_NE(note, nullptr);
    EXPECT_EQ(note->severity, core::Severity::Info);
    EXPECT_NE(note->message.find("1 controller-specific annotation ignored"), std::string::npos)
        << note->message;
    EXPECT_NE(note->message.find("rewrite-target"), std::string::npos);
    EXPECT_EQ(note->message.find("last-applied"), std::string::npos);  // kubectl's, not behaviour
}

// nginx answers /static with a 301 to /static/ when only "/static/" is written; the
// specification matches Prefix by path element, trailing slash or not.
TEST(SpecControllerTest, APrefixWithATrailingSlashMatchesThePathWithoutIt) {
    const std::string yaml = kNginxClass + kBackend + ingress("/static/");
    const auto on_nginx = decide(compileWith(nginx(), yaml), "/static");
    EXPECT_EQ(on_nginx.action, routing::Action::Redirect);
    EXPECT_EQ(on_nginx.status, 301);
    EXPECT_EQ(decide(compileWith(spec(), yaml), "/static").action, routing::Action::Forward);
    EXPECT_EQ(decide(compileWith(spec(), yaml), "/staticfile").action, routing::Action::Respond);
}

// TLS in the specification terminates; the HTTP to HTTPS redirect is ingress-nginx's ssl-redirect.
TEST(SpecControllerTest, ATlsHostIsNotRedirectedToHttps) {
    const std::string yaml =
        kNginxClass + kBackend +
        ingress("/", "{}", "  tls:\n  - hosts: [shop.local]\n    secretName: shop-tls\n");
    const auto on_nginx = decide(compileWith(nginx(), yaml), "/");
    EXPECT_EQ(on_nginx.action, routing::Action::Redirect);
    EXPECT_EQ(on_nginx.status, 308);
    EXPECT_EQ(decide(compileWith(spec(), yaml), "/").action, routing::Action::Forward);
}

}  // namespace
}  // namespace ilab::controllers
