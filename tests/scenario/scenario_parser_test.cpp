#include "engine/scenario/scenario.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/scenario/scenario_manifests.h"

namespace ilab::scenario {
namespace {

LoadedScenario parse(const std::string& spec) {
    return loadScenarioFromText("apiVersion: ingress-lab.dev/v1alpha1\nkind: Scenario\n"
                                "metadata: {name: t}\nspec:\n  manifestsInline: \"x\"\n" + spec,
                                "t.yaml", ".");
}

const core::Diagnostic* first(const LoadedScenario& s, std::string_view code) {
    for (const auto& d : s.diagnostics.items())
        if (d.code == code) return &d;
    return nullptr;
}

TEST(ScenarioParserTest, DurationsReadAsScenariosWriteThem) {
    EXPECT_EQ(parseDuration("250ms"), Millis(250));
    EXPECT_EQ(parseDuration("1.5s"), Millis(1500));
    EXPECT_EQ(parseDuration("2m"), Millis(120000));
    EXPECT_FALSE(parseDuration("10"));
    EXPECT_FALSE(parseDuration("fast"));
    EXPECT_FALSE(parseDuration("-1s"));
}

TEST(ScenarioParserTest, AFullScenarioReadsIntoItsParts) {
    const auto s = parse(R"(  seed: 9
  duration: 12s
  behaviors:
  - target: {workload: web}
    latency: {lognormal: {p50: 10ms, p99: 80ms}}
    errorRate: 0.01
  traffic:
  - name: users
    stages: [{duration: 5s, target: 100}]
    requests:
    - {url: "https://shop.local/a?b=1", weight: 3, headers: {X-Canary: always}}
  timeline:
  - {at: 2s, for: 3s, fault: {kind: status, status: 503, target: {service: web}}}
  - {at: 4s, pause: {profile: users}}
  expect:
    requests:
    - {request: {url: http://shop.local/}, status: 308, at: 3s}
    metrics:
    - {metric: latency.p99, where: {service: web, from: 2s}, max: 250ms}
    - {metric: share, of: web-v2, between: [0.05, 0.15]}
    coverage: {failUnder: 80}
)");
    ASSERT_TRUE(s.scenario);
    ASSERT_FALSE(s.diagnostics.hasErrors()) << core::formatDiagnostic(s.diagnostics.items()[0]);
    const Scenario& sc = *s.scenario;
    EXPECT_EQ(sc.seed, 9u);
    EXPECT_EQ(sc.duration, Millis(12000));
    ASSERT_EQ(sc.behaviors.size(), 1u);
    EXPECT_EQ(sc.behaviors[0].behavior.latency.kind, cluster::LatencyModel::Kind::LogNormal);
    const RequestSpec& r = sc.traffic.at(0).requests.at(0);
    EXPECT_EQ(r.scheme, "https");
    EXPECT_EQ(r.host, "shop.local");
    EXPECT_EQ(r.target, "/a?b=1");
    EXPECT_EQ(r.weight, 3);
    ASSERT_EQ(sc.timeline.size(), 2u);
    EXPECT_EQ(sc.timeline[0].fault.status, 503);
    EXPECT_EQ(sc.timeline[0].duration, Millis(3000));
    EXPECT_EQ(sc.timeline[0].describe(), "fault status 503 on service web");
    ASSERT_EQ(sc.metric_expectations.size(), 2u);
    EXPECT_EQ(sc.metric_expectations[0].max, 250);
    EXPECT_EQ(sc.metric_expectations[0].percentile, 99);
    EXPECT_EQ(sc.metric_expectations[1].describe(), "share of web-v2 in [0.05, 0.15]");
    EXPECT_EQ(sc.metric_expectations[0].describe(),
              "latency p99 (service web, from 2s) <= 250 ms");
    EXPECT_EQ(sc.coverage_fail_under, 80);
    ASSERT_EQ(sc.request_expectations.size(), 1u);
    EXPECT_EQ(sc.request_expectations[0].at, Millis(3000));
    EXPECT_EQ(sc.request_expectations[0].name, "GET http://shop.local/ at 3s");
}

TEST(ScenarioParserTest, MistakesAreReportedWhereTheyAre) {
    const auto s = parse(R"(  duration: 5 seconds
  trafic: []
  traffic:
  - name: users
    rate: 10
    requests: [{url: "ftp://x/"}]
  timeline:
  - {at: 1s, pause: {profile: nobody}}
  expect:
    metrics:
    - {metric: latency.p101, max: 1}
)");
    const auto* duration = first(s, "ILAB-SCENARIO-003");
    ASSERT_NE(duration, nullptr);
    EXPECT_EQ(duration->location.line, 6);
    EXPECT_NE(duration->message.find("spec.duration"), std::string::npos);
    const auto* unknown = first(s, "ILAB-SCENARIO-004");
    ASSERT_NE(unknown, nullptr);
    EXPECT_EQ(unknown->location.line, 7);
    EXPECT_EQ(unknown->hint, "did you mean \"traffic\"?");
    EXPECT_TRUE(s.diagnostics.contains("ILAB-SCENARIO-006"));  // the unknown profile
    int errors = 0;
    for (const auto& d : s.diagnostics.items())
        errors += d.severity == core::Severity::Error;
    EXPECT_GE(errors, 5);  // duration, field, url, profile, metric
}

TEST(ScenarioParserTest, ScaleRollAndPromoteAreTimelineActions) {
    const auto s = parse(R"(  timeline:
  - {at: 1s, scale: {workload: web, replicas: 5}}
  - {at: 2s, roll: {workload: web, maxSurge: 2}}
  - {at: 3s, promote: {ingress: web-canary, service: web-v2, weights: [10, 50, 100], every: 2s}}
  - {at: 4s, roll: {workload: web, maxSurge: 0, maxUnavailable: 0}}
)");
    ASSERT_TRUE(s.scenario);
    const auto& t = s.scenario->timeline;
    ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t[0].kind, TimelineEntry::Kind::Scale);
    EXPECT_EQ(t[0].scale.replicas, 5);
    EXPECT_EQ(t[1].roll.max_surge, 2);
    EXPECT_EQ(t[2].promote.weights, (std::vector<int>{10, 50, 100}));
    EXPECT_EQ(t[2].promote.every, Millis(2000));
    EXPECT_EQ(t[2].describe(), "progressive canary web-canary: 10 → 50 → 100%");
    const auto* stuck = first(s, "ILAB-SCENARIO-003");
    ASSERT_NE(stuck, nullptr);  // a rollout that could never progress
    EXPECT_EQ(stuck->location.line, 10);
}

TEST(ScenarioParserTest, OtherDocumentsAreNotScenarios) {
    const auto s = loadScenarioFromText("apiVersion: v1\nkind: Service\nmetadata: {name: x}\n",
                                        "svc.yaml", ".");
    EXPECT_TRUE(s.diagnostics.contains("ILAB-SCENARIO-002"));
}

TEST(ScenarioParserTest, FilesAScenarioNamesMustStayInsideItsFolder) {
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("ilab-confined-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "lab" / "sub");
    std::ofstream(dir / "outside.yaml") << "kind: List\n";
    std::ofstream(dir / "lab" / "manifests.yaml") << "kind: List\n";
    std::ofstream(dir / "lab" / "sub" / "more.yaml") << "kind: List\n";
    fs::create_symlink("../outside.yaml", dir / "lab" / "out-link.yaml");
    fs::create_symlink("sub/more.yaml", dir / "lab" / "in-link.yaml");
    const std::string lab = (dir / "lab").string();
    auto load = [&](const std::string& manifests, const std::string& timeline = "") {
        return loadScenarioFromText("apiVersion: ingress-lab.dev/v1alpha1\nkind: Scenario\n"
                                    "metadata: {name: t}\nspec:\n  manifests: [" + manifests +
                                        "]\n" + timeline,
                                    lab + "/scenario.yaml", lab);
    };

    // Inside, however written: relative, in a subfolder, absolute, through a link that stays in.
    const auto inside =
        load("manifests.yaml, sub/more.yaml, " + lab + "/manifests.yaml, in-link.yaml, .");
    EXPECT_FALSE(inside.diagnostics.hasErrors())
        << core::formatDiagnostic(inside.diagnostics.items().front());

    // Outside: up, absolute, through a link, up and back, a device, and a file that does not
    // exist (the message does not say whether it does: no probing the disk).
    const auto outside = load("../outside.yaml, " + (dir / "outside.yaml").string() +
                              ", out-link.yaml, sub/../../outside.yaml, /dev/zero, /no/such.yaml");
    std::vector<const core::Diagnostic*> refused;
    for (const auto& d : outside.diagnostics.items())
        if (d.code == "ILAB-SCENARIO-007") refused.push_back(&d);
    ASSERT_EQ(refused.size(), 6u) << outside.diagnostics.items().front().message;
    EXPECT_EQ(refused[0]->location.str(), lab + "/scenario.yaml:5:15");
    EXPECT_EQ(refused[0]->message,
              "spec.manifests: \"../outside.yaml\" is outside the scenario's folder");
    EXPECT_FALSE(refused[0]->hint.empty());
    const int absolute_length = static_cast<int>((dir / "outside.yaml").string().size());
    EXPECT_EQ(refused[2]->location.column, 15 + 17 + absolute_length + 2);
    EXPECT_EQ(refused[5]->message.find("exist"), std::string::npos);
    EXPECT_FALSE(outside.diagnostics.contains("ILAB-SCENARIO-006"));

    // A timeline apply is held to the same rule, at its own field.
    const auto apply =
        load("manifests.yaml", "  timeline:\n  - {at: 1s, apply: ../outside.yaml}\n");
    const auto* d = first(apply, "ILAB-SCENARIO-007");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->location.line, 7);
    EXPECT_EQ(d->location.column, 21);
    EXPECT_EQ(d->message.rfind("apply: ", 0), 0u) << d->message;
    fs::remove_all(dir);
}

TEST(ScenarioParserTest, FindingsInAnInlineBlockNameTheirLineAndColumnInTheScenarioFile) {
    // Line 9 holds the Service's port out of range (its value at column 27), line 18 the
    // misspelled pathType of the second document (column 33): named where they stand in s.yaml.
    const std::string text = "apiVersion: ingress-lab.dev/v1alpha1\n"  // 1
                             "kind: Scenario\n"                         // 2
                             "metadata: {name: t}\n"                    // 3
                             "spec:\n"                                  // 4
                             "  manifestsInline: |\n"                   // 5
                             "    apiVersion: v1\n"                     // 6
                             "    kind: Service\n"                      // 7
                             "    metadata: {name: web}\n"              // 8
                             "    spec: {ports: [{port: 99999}]}\n"     // 9
                             "    ---\n"                                // 10
                             "    apiVersion: networking.k8s.io/v1\n"   // 11
                             "    kind: Ingress\n"                      // 12
                             "    metadata: {name: web}\n"              // 13
                             "    spec:\n"                              // 14
                             "      rules:\n"                           // 15
                             "      - http:\n"                          // 16
                             "          paths:\n"                       // 17
                             "          - {path: /, pathType: Prefx, backend: {service: {name: "
                             "web, port: {number: 80}}}}\n";            // 18
    const auto loaded = loadScenarioFromText(text, "s.yaml", ".");
    ASSERT_TRUE(loaded.scenario) << loaded.diagnostics.items().size();
    EXPECT_EQ(loaded.scenario->inline_manifests_name, "s.yaml");
    const auto manifests = loadScenarioManifests(*loaded.scenario, {});
    std::vector<std::string> found;
    for (const auto& d : manifests.diagnostics.items())
        found.push_back(d.location.str() + " " + d.code);
    EXPECT_NE(std::find(found.begin(), found.end(), "s.yaml:9:27 ILAB-API-002"), found.end())
        << ::testing::PrintToString(found);
    EXPECT_NE(std::find(found.begin(), found.end(), "s.yaml:18:33 ILAB-API-003"), found.end())
        << ::testing::PrintToString(found);
    EXPECT_EQ(manifests.ingresses.size() + manifests.services.size(), 1u);  // the Ingress is refused
}

TEST(ScenarioParserTest, AQuotedInlineValueIsNamedAsTheValueItself) {
    const auto loaded = parse("");
    ASSERT_TRUE(loaded.scenario);
    EXPECT_EQ(loaded.scenario->inline_manifests, "x");
    EXPECT_EQ(loaded.scenario->inline_manifests_name, "t.yaml (manifestsInline)");
}

}  // namespace
}  // namespace ilab::scenario

namespace ilab::scenario {
namespace {

TEST(ScenarioControllersTest, ControllersAreReadWithTheirNamesClassesAndPorts) {
    const auto s = parse(R"(  controllers:
  - {name: nginx, controller: ingress-nginx, configMap: ingress-nginx/lab}
  - controller: k8s.io/ingress-nginx
    name: internal
    controllerClass: k8s.io/internal-nginx
    ingressClass: internal
    watchIngressWithoutClass: true
    ports: {http: 8081, https: 8444}
  - {controller: spec}
  traffic:
  - {name: a, controller: internal, rate: 1, requests: [{url: "http://x/"}, {url: "http://x/", controller: spec}]}
  expect:
    requests:
    - {request: {url: "http://x/", controller: spec}, status: 404}
    metrics:
    - {metric: requests, where: {controller: nginx}, min: 0}
)");
    ASSERT_TRUE(s.scenario) << s.diagnostics.items().size();
    ASSERT_FALSE(s.diagnostics.hasErrors()) << core::formatDiagnostic(s.diagnostics.items()[0]);
    const auto& c = s.scenario->controllers;
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].name, "nginx");
    EXPECT_EQ(c[0].config_map, "ingress-nginx/lab");
    EXPECT_EQ(c[1].controller_class, "k8s.io/internal-nginx");
    EXPECT_EQ(c[1].ingress_class, "internal");
    EXPECT_TRUE(c[1].watch_ingress_without_class);
    EXPECT_EQ(c[1].http_port, 8081);
    EXPECT_EQ(c[1].https_port, 8444);
    EXPECT_EQ(c[2].name, "spec");  // the plug-in's id
    // A profile's controller reaches its requests; a request may name its own.
    EXPECT_EQ(s.scenario->traffic[0].requests[0].controller, "internal");
    EXPECT_EQ(s.scenario->traffic[0].requests[1].controller, "spec");
    EXPECT_EQ(s.scenario->request_expectations[0].request.controller, "spec");
    EXPECT_NE(s.scenario->request_expectations[0].name.find("via spec"), std::string::npos);
    EXPECT_EQ(s.scenario->metric_expectations[0].filter.controller, "nginx");
    EXPECT_EQ(controllerIndex(*s.scenario, "spec"), 2u);
    EXPECT_EQ(controllerIndex(*s.scenario, ""), 0u);
    EXPECT_FALSE(controllerIndex(*s.scenario, "traefik"));
    // The first controller claims: its class and ConfigMap are the lab's.
    const model::LoadOptions load = scenarioLoadOptions(*s.scenario);
    EXPECT_EQ(load.controller, "k8s.io/ingress-nginx");
    EXPECT_EQ(load.default_class_name, "nginx");
}

TEST(ScenarioControllersTest, MistakesAboutControllersAreReportedWhereTheyAre) {
    const auto s = parse(R"(  controllers:
  - {controller: traefik.io/ingress-controller}
  - {controller: ingress-ngnix}
  - {controller: spec}
  - {controller: spec, configMap: nope}
  traffic:
  - {name: a, controller: nobody, rate: 1, requests: [{url: "http://x/"}]}
)");
    std::vector<const core::Diagnostic*> invalid, unknown_names;
    for (const auto& d : s.diagnostics.items()) {
        if (d.code == "ILAB-SCENARIO-003") invalid.push_back(&d);
        if (d.code == "ILAB-SCENARIO-006") unknown_names.push_back(&d);
    }
    ASSERT_EQ(invalid.size(), 4u);
    EXPECT_EQ(invalid[0]->location.line, 7);
    EXPECT_NE(invalid[0]->message.find("k8s.io/ingress-nginx"), std::string::npos)
        << invalid[0]->message;  // names what the lab knows
    EXPECT_EQ(invalid[1]->location.line, 8);
    EXPECT_EQ(invalid[1]->hint, "did you mean \"ingress-nginx\"?");
    EXPECT_NE(invalid[2]->message.find("not namespace/name"), std::string::npos);
    EXPECT_NE(invalid[3]->message.find("\"spec\" is used twice"), std::string::npos);
    ASSERT_EQ(unknown_names.size(), 1u);
    EXPECT_NE(unknown_names[0]->message.find("\"nobody\""), std::string::npos);
    EXPECT_EQ(unknown_names[0]->location.line, 12);
}

}  // namespace
}  // namespace ilab::scenario

namespace ilab::scenario {
namespace {

TEST(ScenarioControllersTest, AControllersFlagsAreCheckedWhereTheyAreWritten) {
    const auto s = parse(R"(  controllers:
  - controller: ingress-nginx
    args:
    - --disable-catch-all
    - --default-backend-servce=shop/fallback
)");
    ASSERT_TRUE(s.scenario);
    ASSERT_EQ(s.scenario->controllers[0].args.size(), 2u);
    const auto* unknown = first(s, "ILAB-CONFIG-007");
    ASSERT_NE(unknown, nullptr);
    EXPECT_EQ(unknown->location.line, 10);
    EXPECT_EQ(unknown->location.column, 7);
    EXPECT_EQ(unknown->hint, "did you mean \"default-backend-service\"?");
    EXPECT_TRUE(scenarioLoadOptions(*s.scenario).disable_catch_all);
}

}  // namespace
}  // namespace ilab::scenario
