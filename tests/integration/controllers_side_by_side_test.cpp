// Several controllers in one lab, over loopback sockets: each has its own listener and claims
// Ingresses by its own rules, all in front of the same Services and pods (docs/controllers.md,
// "Several controllers in one lab").
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "engine/lab/lab.h"
#include "tests/support/http_client.h"

namespace ilab::lab {
namespace {

using testing::httpGet;

// Two Ingresses of class nginx, one with an ingress-nginx annotation, one of a class no
// IngressClass defines ("internal", a second ingress-nginx's), one Service and its Deployment.
constexpr const char* kManifests = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /}
spec:
  ingressClassName: nginx
  rules:
  - host: shop
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: assets}
spec:
  ingressClassName: nginx
  rules:
  - host: assets
    http:
      paths:
      - {path: /static/, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: admin}
spec:
  ingressClassName: internal
  rules:
  - host: admin
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web}]}
)";

LabOptions sideBySide() {
    LabOptions options;
    options.http = {"127.0.0.1", 0};
    options.cluster.ephemeral_ports = true;
    ControllerSpec spec;
    spec.controller = "spec";
    ControllerSpec internal;
    internal.name = "internal";
    internal.controller = "ingress-nginx";
    internal.controller_class = "k8s.io/internal-nginx";  // its --controller-class
    internal.ingress_class = "internal";
    options.more_controllers = {spec, internal};
    return options;
}

class ControllersSideBySideTest : public ::testing::Test {
  protected:
    void SetUp() override {
        core::Diagnostics diagnostics;
        lab_ = Lab::startFromText(kManifests, sideBySide(), diagnostics);
        ASSERT_NE(lab_, nullptr);
        ASSERT_FALSE(diagnostics.hasErrors()) << core::formatDiagnostic(diagnostics.items()[0]);
        controllers_ = lab_->controllers();
        ASSERT_EQ(controllers_.size(), 3u);
    }

    std::uint16_t port(std::size_t controller) const { return controllers_[controller].http_port; }

    // The path the pod received, or the status when no pod answered.
    std::string upstreamPath(std::size_t controller, const std::string& host,
                             const std::string& target) {
        auto response = httpGet(port(controller), host, target);
        if (!response) return "no answer";
        if (response->status != 200) return std::to_string(response->status);
        return nlohmann::json::parse(response->body)["path"].get<std::string>();
    }

    std::unique_ptr<Lab> lab_;
    std::vector<RunningController> controllers_;
};

TEST_F(ControllersSideBySideTest, EachControllerListensOnItsOwnPortAndSaysWhatItIs) {
    EXPECT_EQ(controllers_[0].id, "ingress-nginx");
    EXPECT_EQ(controllers_[0].ingress_class, "nginx");
    EXPECT_EQ(controllers_[0].http_port, lab_->httpPort());
    EXPECT_EQ(controllers_[1].id, "spec");
    EXPECT_EQ(controllers_[2].id, "ingress-nginx");
    EXPECT_EQ(controllers_[2].ingress_class, "internal");
    EXPECT_EQ(controllers_[2].controller_name, "k8s.io/internal-nginx");
    EXPECT_NE(port(0), port(1));
    EXPECT_NE(port(1), port(2));
    EXPECT_NE(port(1), 0);
    EXPECT_EQ(lab_->routeTable(1)->options().controller_id, "spec");
}

TEST_F(ControllersSideBySideTest, TheSameRequestIsRoutedByEachControllersOwnSemantics) {
    // ingress-nginx honours rewrite-target; the Ingress specification alone does not.
    EXPECT_EQ(upstreamPath(0, "shop", "/api/items"), "/");
    EXPECT_EQ(upstreamPath(1, "shop", "/api/items"), "/api/items");
    // ingress-nginx's `location /static/` answers /static with a 301; a conformant controller
    // matches /static/ by path element and forwards it.
    // (On another host: the rewrite's regex mode covers every location of its server.)
    EXPECT_EQ(upstreamPath(0, "assets", "/static"), "301");
    EXPECT_EQ(upstreamPath(1, "assets", "/static"), "/static");
}

// Two ingress-nginx installs need two controller classes (its --controller-class): an
// IngressClass is claimed by its spec.controller (store.go, ingressClassEventHandler).
TEST_F(ControllersSideBySideTest, EachIngressNginxClaimsOnlyItsOwnClass) {
    EXPECT_EQ(upstreamPath(0, "admin", "/users"), "404");
    EXPECT_EQ(upstreamPath(2, "admin", "/users"), "/users");
    EXPECT_EQ(upstreamPath(2, "shop", "/api/items"), "404");
    // The specification alone claims every Ingress (a stand-in for any conformant controller).
    EXPECT_EQ(upstreamPath(1, "admin", "/users"), "/users");
}

TEST_F(ControllersSideBySideTest, EventsNameTheControllerThatAnswered) {
    std::vector<std::string> seen;
    std::mutex mutex;
    const auto subscription = lab_->telemetry(1).subscribe([&](const telemetry::Delivery& d) {
        std::lock_guard lock(mutex);
        for (const auto& batch : d.batches)
            for (const auto& event : batch->events) seen.push_back(event.controller);
    });
    ASSERT_TRUE(httpGet(port(1), "shop", "/api"));
    for (int i = 0; i < 100; ++i) {
        {
            std::lock_guard lock(mutex);
            if (!seen.empty()) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    lab_->telemetry(1).unsubscribe(subscription);
    std::lock_guard lock(mutex);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], "spec");
    EXPECT_EQ(lab_->counters(1).requests, 1u);
    EXPECT_EQ(lab_->counters(0).requests, 0u);
}

TEST_F(ControllersSideBySideTest, AReloadReachesEveryController) {
    std::string changed = kManifests;
    changed.replace(changed.find("path: /api,"), 11, "path: /v2,");
    core::Diagnostics diagnostics;
    ASSERT_TRUE(lab_->reloadFromText(changed, diagnostics));
    EXPECT_EQ(upstreamPath(0, "shop", "/v2/items"), "/");
    EXPECT_EQ(upstreamPath(1, "shop", "/v2/items"), "/v2/items");
    EXPECT_EQ(upstreamPath(1, "shop", "/api/items"), "404");
}

TEST(ControllersInOneLab, AControllerTheLabDoesNotSimulateIsNamedWithTheKnownOnes) {
    LabOptions options = sideBySide();
    options.more_controllers[0].controller = "traefik.io/ingress-controller";
    core::Diagnostics diagnostics;
    EXPECT_EQ(Lab::startFromText(kManifests, options, diagnostics), nullptr);
    ASSERT_TRUE(diagnostics.contains("ILAB-LAB-001"));
    const std::string text = core::formatDiagnostic(diagnostics.items().back());
    EXPECT_NE(text.find("traefik.io/ingress-controller"), std::string::npos) << text;
    EXPECT_NE(text.find("k8s.io/ingress-nginx"), std::string::npos) << text;
}

TEST(ControllersInOneLab, TwoControllersOfOneNameAreRefused) {
    LabOptions options = sideBySide();
    options.more_controllers[1].name = "ingress-nginx";  // the first's
    core::Diagnostics diagnostics;
    EXPECT_EQ(Lab::startFromText(kManifests, options, diagnostics), nullptr);
    ASSERT_TRUE(diagnostics.contains("ILAB-LAB-001"));
    EXPECT_NE(diagnostics.items().back().message.find("\"ingress-nginx\""), std::string::npos);
}

}  // namespace
}  // namespace ilab::lab

namespace ilab::lab {
namespace {

// A second controller claims by its own rules only: the first's flags are not its.
TEST(ControllersInOneLab, ASecondControllerDoesNotInheritTheFirstsClaimingFlags) {
    model::LoadOptions first;
    first.watch_namespace = "shop";
    first.disable_catch_all = true;
    first.ingress_class_by_name = true;
    first.confine_to = "/scenarios/x";
    ControllerSpec internal;
    internal.controller = "ingress-nginx";
    internal.ingress_class = "internal";
    internal.args = {{"--controller-class=k8s.io/internal-nginx", {}},
                     {"--default-backend-service=shop/fallback", {}}};
    routing::CompileOptions compile;
    const auto load = claimingFor(internal, first, &compile);
    ASSERT_TRUE(load);
    EXPECT_TRUE(load->watch_namespace.empty());
    EXPECT_FALSE(load->disable_catch_all);
    EXPECT_FALSE(load->ingress_class_by_name);
    EXPECT_EQ(load->confine_to, "/scenarios/x");  // how files are read stays the lab's
    EXPECT_EQ(load->controller, "k8s.io/internal-nginx");
    EXPECT_EQ(load->default_class_name, "internal");
    EXPECT_EQ(compile.default_backend_service, "shop/fallback");
    ControllerSpec unknown;
    unknown.controller = "traefik";
    EXPECT_FALSE(claimingFor(unknown, first));
}

}  // namespace
}  // namespace ilab::lab

namespace ilab::lab {
namespace {

// The first controller's plug-in is named, not guessed from a controller class of its own.
TEST(ControllersInOneLab, TheFirstControllersPluginIsTheOneNamed) {
    LabOptions options;
    options.http = {"127.0.0.1", 0};
    options.cluster.ephemeral_ports = true;
    options.plugin = "spec";
    options.load.controller = "example.com/edge";  // no plug-in is registered under it
    core::Diagnostics diagnostics;
    auto lab = Lab::startFromText(kManifests, options, diagnostics);
    ASSERT_NE(lab, nullptr);
    EXPECT_EQ(lab->controllers().front().id, "spec");
    EXPECT_EQ(lab->routeTable()->options().controller_id, "spec");
}

}  // namespace
}  // namespace ilab::lab
