#include "engine/workbench/topology.h"

#include <gtest/gtest.h>

#include "engine/workbench/edge_stats.h"
#include "engine/dialect/dialect.h"
#include "engine/model/manifests.h"

namespace ilab::workbench {
namespace {

constexpr const char* kManifests = R"(
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
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
  name: web-canary
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight: "20"
spec:
  ingressClassName: nginx
  rules:
  - host: shop.local
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web-v2, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-v2, namespace: shop}
spec: {selector: {app: web-v2}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v2, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web-v2}}
  template:
    metadata: {labels: {app: web-v2}}
    spec: {containers: [{name: web, ports: [{containerPort: 8080}]}]}
)";

struct Fixture {
    model::Manifests manifests = model::loadManifestsFromText(kManifests, "test.yaml");
    std::unique_ptr<dialect::Dialect> dialect = dialect::makeNginxDialect();
    std::shared_ptr<const routing::RouteTable> table =
        routing::RouteTable::compile(manifests, *dialect, {}, nullptr);
    std::vector<cluster::PodStatus> pods() const {
        std::vector<cluster::PodStatus> out;
        for (const auto& p : manifests.pods) {
            cluster::PodStatus s;
            s.name = p.meta.name;
            s.namespace_ = p.meta.namespace_;
            s.owner_kind = p.owner_kind;
            s.owner_name = p.owner_name;
            s.phase = cluster::PodPhase::Running;
            s.ready = true;
            out.push_back(s);
        }
        return out;
    }
};

TEST(TopologyGraphTest, BuildsClientControllerRulesServicesAndPods) {
    Fixture f;
    const TopologyGraph g = buildTopology(*f.table, f.pods());
    int rules = 0, services = 0, pods = 0;
    for (const auto& n : g.nodes) {
        rules += n.kind == NodeKind::Rule;
        services += n.kind == NodeKind::Service;
        pods += n.kind == NodeKind::Pod;
    }
    EXPECT_EQ(rules, 1);
    EXPECT_EQ(services, 2);
    EXPECT_EQ(pods, 3);
    const std::string rule = ruleNodeId("shop/web", "shop.local", "/");
    ASSERT_NE(g.find(rule), nullptr);
    EXPECT_EQ(g.find(rule)->label, "shop.local /");
    bool canary_edge = false, main_edge = false;
    for (const auto& e : g.edges) {
        if (e.from == rule && e.to == "svc:shop/web-v2") {
            canary_edge = e.canary && e.configured_percent == 20.0;
        }
        if (e.from == rule && e.to == "svc:shop/web") main_edge = !e.canary && e.configured_percent == 80.0;
    }
    EXPECT_TRUE(canary_edge);
    EXPECT_TRUE(main_edge);
}

TEST(TopologyGraphTest, ServiceWithoutReadyPodsNamesTheProblem) {
    Fixture f;
    auto pods = f.pods();
    for (auto& p : pods)
        if (p.owner_name == "web-v2") p.ready = false;
    const TopologyGraph g = buildTopology(*f.table, pods);
    ASSERT_NE(g.find("svc:shop/web-v2"), nullptr);
    EXPECT_NE(g.find("svc:shop/web-v2")->problem.find("no ready endpoints"), std::string::npos);
    EXPECT_TRUE(g.find("svc:shop/web")->problem.empty());
}

TEST(TopologyGraphTest, FlowFollowsTheRequestToItsPod) {
    Fixture f;
    telemetry::RequestEvent e;
    e.host = "shop.local";
    e.ingress = {"shop", "web"};
    e.rule_path = "/";
    e.service = {"shop", "web", "80"};
    e.status = 200;
    telemetry::UpstreamAttempt a;
    a.pod = "web-abc";
    e.upstreams.push_back(a);
    const Flow flow = flowFor(e, *f.table);
    const std::vector<std::string> expected = {"client", "controller",
                                               ruleNodeId("shop/web", "shop.local", "/"),
                                               "svc:shop/web", "pod:shop/web-abc"};
    EXPECT_EQ(flow.path, expected);
    EXPECT_EQ(flow.status_class, 2);

    telemetry::RequestEvent not_found;
    not_found.host = "other.local";
    not_found.status = 404;
    EXPECT_EQ(flowFor(not_found, *f.table).path, (std::vector<std::string>{"client", "controller"}));
}

TEST(TopologyGraphTest, HealthFollowsKialisDefaultThresholds) {
    EXPECT_EQ(healthFor(0, 0, 0), Health::Idle);
    EXPECT_EQ(healthFor(1000, 0, 0), Health::Healthy);
    EXPECT_EQ(healthFor(1000, 1, 0), Health::Degraded);    // 0.1 % 5xx
    EXPECT_EQ(healthFor(1000, 100, 0), Health::Degraded);  // 10 % is not above 10 %
    EXPECT_EQ(healthFor(1000, 101, 0), Health::Failure);
    EXPECT_EQ(healthFor(1000, 0, 100), Health::Healthy);  // 4xx: 10 % tolerated
    EXPECT_EQ(healthFor(1000, 0, 101), Health::Degraded);
    EXPECT_EQ(healthFor(1000, 0, 201), Health::Failure);
}

TEST(EdgeStatsWindowTest, RatesErrorsAndObservedCanaryShareOverTheWindow) {
    Fixture f;
    const TopologyGraph g = buildTopology(*f.table, f.pods());
    const std::string rule = ruleNodeId("shop/web", "shop.local", "/");
    EdgeStatsWindow window(5);
    for (std::int64_t s = 10; s < 15; ++s)
        for (int i = 0; i < 10; ++i) {
            const bool canary = i < 2;
            Flow flow{{"client", "controller", rule, canary ? "svc:shop/web-v2" : "svc:shop/web"},
                      i == 9 ? 5 : 2, 10.0 + i};
            window.add(flow, s);
        }
    const auto stats = window.edgeStats(g, 14);
    const EdgeStats& front = stats.at({"client", "controller"});
    EXPECT_DOUBLE_EQ(front.rate, 10.0);
    EXPECT_DOUBLE_EQ(front.error_percent, 10.0);
    EXPECT_EQ(front.health, Health::Degraded);
    EXPECT_NEAR(front.p99_ms, 19.0, 19.0 / 64);
    ASSERT_TRUE(stats.at({rule, "svc:shop/web-v2"}).observed_percent);
    EXPECT_DOUBLE_EQ(*stats.at({rule, "svc:shop/web-v2"}).observed_percent, 20.0);
    EXPECT_EQ(stats.at({rule, "svc:shop/web-v2"}).health, Health::Healthy);
    // Seconds that left the window no longer count.
    EXPECT_DOUBLE_EQ(window.edgeStats(g, 30).at({"client", "controller"}).rate, 0.0);
    EXPECT_EQ(window.nodeHealth(14).at("svc:shop/web"), Health::Failure);  // 5 of 40 = 12.5 %
}

TEST(EdgeStatsWindowTest, ClientErrorsAreASeparateShareBesideServerErrors) {
    // Issue 14, item 7: an edge whose answers were 88% 404 read "63.4/s · 0%".
    Fixture f;
    const TopologyGraph g = buildTopology(*f.table, f.pods());
    EdgeStatsWindow window(1);
    for (int i = 0; i < 25; ++i)
        window.add(Flow{{"client", "controller"}, i < 22 ? 4 : (i == 24 ? 5 : 2), 1.0}, 3);
    const EdgeStats s = window.edgeStats(g, 3).at({"client", "controller"});
    EXPECT_DOUBLE_EQ(s.client_error_percent, 88.0);
    EXPECT_DOUBLE_EQ(s.error_percent, 4.0);
    EXPECT_EQ(s.health, Health::Failure);
}

constexpr const char* kExternalName = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: echo}
spec:
  ingressClassName: nginx
  rules:
  - host: echo
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: ext, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: api.example.com}
)";

TEST(TopologyGraphTest, AnExternalNameServiceLeadsToTheStandInForItsName) {
    const model::Manifests m = model::loadManifestsFromText(kExternalName, "test.yaml");
    const auto dialect = dialect::makeNginxDialect();
    const auto table = routing::RouteTable::compile(m, *dialect, {}, nullptr);
    ASSERT_EQ(m.pods.size(), 1u);
    cluster::PodStatus stand_in;
    stand_in.name = m.pods[0].meta.name;
    stand_in.namespace_ = "default";
    stand_in.owner_kind = m.pods[0].owner_kind;
    stand_in.phase = cluster::PodPhase::Running;
    stand_in.ready = true;
    const TopologyGraph g = buildTopology(*table, {stand_in});
    const TopologyNode* service = g.find("svc:default/ext");
    ASSERT_NE(service, nullptr);
    EXPECT_TRUE(service->problem.empty()) << service->problem;
    const TopologyNode* pod = g.find("pod:default/api.example.com");
    ASSERT_NE(pod, nullptr);
    EXPECT_NE(pod->detail.find("stand-in for the external name api.example.com"), std::string::npos)
        << pod->detail;
    bool edge = false;
    for (const auto& e : g.edges)
        edge = edge || (e.from == service->id && e.to == pod->id);
    EXPECT_TRUE(edge);
}

}  // namespace
}  // namespace ilab::workbench

namespace ilab::workbench {
namespace {

// Two controllers in front of the same Services: ingress-nginx and one that serves only the
// web Ingress (the canary Ingress is not its: a table compiled from the web Ingress alone).
TEST(TopologyGraphTest, SeveralControllersEachGetANodeAndShareTheRulesTheyBothServe) {
    Fixture f;
    model::Manifests only_web = f.manifests;
    std::erase_if(only_web.ingresses,
                  [](const model::Ingress& i) { return i.meta.name == "web-canary"; });
    const auto other = routing::RouteTable::compile(only_web, *f.dialect, {}, nullptr);
    const LabRoutes routes{{"ingress-nginx", f.table}, {"spec", other}};
    const TopologyGraph g = buildTopology(routes, f.pods());
    int controllers = 0, rules = 0;
    for (const auto& n : g.nodes) {
        controllers += n.kind == NodeKind::Controller;
        rules += n.kind == NodeKind::Rule;
    }
    EXPECT_EQ(controllers, 2);
    EXPECT_EQ(rules, 1);  // the same Ingress rule: one node
    ASSERT_NE(g.find("controller:spec"), nullptr);
    EXPECT_EQ(g.find("controller:spec")->label, "spec");
    const std::string rule = ruleNodeId("shop/web", "shop.local", "/");
    bool from_first = false, from_second = false, entry = false;
    for (const auto& e : g.edges) {
        from_first |= e.from == "controller" && e.to == rule;
        from_second |= e.from == "controller:spec" && e.to == rule;
        entry |= e.from == "client" && e.to == "controller:spec";
    }
    EXPECT_TRUE(from_first && from_second && entry);

    // A request the second controller answered flows through its node.
    telemetry::RequestEvent e;
    e.controller = "spec";
    e.host = "shop.local";
    e.ingress = {"shop", "web"};
    e.rule_path = "/";
    e.service = {"shop", "web", "80"};
    const Flow flow = flowFor(e, routes);
    ASSERT_GE(flow.path.size(), 3u);
    EXPECT_EQ(flow.path[1], "controller:spec");
    EXPECT_EQ(flow.path[2], rule);
    e.controller = "ingress-nginx";
    EXPECT_EQ(flowFor(e, routes).path[1], "controller");
}

}  // namespace
}  // namespace ilab::workbench
