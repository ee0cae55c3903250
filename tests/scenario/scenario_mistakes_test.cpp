// Nonsense in a scenario is refused where it is written: a rate, a number of users or a stage
// that could send nothing, a mix whose weights are all 0, and a fault on a Service the
// manifests do not define (at the fault's target, not somewhere near it).
#include <string>

#include <gtest/gtest.h>

#include "engine/model/manifests.h"
#include "engine/scenario/expectations.h"
#include "engine/scenario/scenario.h"

namespace ilab::scenario {
namespace {

LoadedScenario parse(const std::string& spec) {
    return loadScenarioFromText(
        "apiVersion: ingress-lab.dev/v1alpha1\nkind: Scenario\n"
        "metadata: {name: t}\nspec:\n  manifestsInline: \"x\"\n" +
            spec,
        "t.yaml", ".");
}

std::vector<std::string> errors(const LoadedScenario& s) {
    std::vector<std::string> out;
    for (const auto& d : s.diagnostics.items())
        if (d.severity == core::Severity::Error)
            out.push_back(d.location.str() + ": " + d.code + ": " + d.message);
    return out;
}

TEST(ScenarioMistakesTest, ANegativeOrZeroRateIsRefusedAtTheRate) {
    const auto negative = parse(R"(  traffic:
  - rate: -5
    requests: [{url: http://web.local/}]
)");
    EXPECT_EQ(errors(negative),
              std::vector<std::string>{
                  "t.yaml:7:11: ILAB-SCENARIO-003: spec.traffic[0].rate: -5 requests per second "
                  "is not allowed: give a number above 0"});
    const auto zero = parse(R"(  traffic:
  - {rate: 0, requests: [{url: http://web.local/}]}
)");
    EXPECT_EQ(errors(zero), std::vector<std::string>{
                                "t.yaml:7:12: ILAB-SCENARIO-003: spec.traffic[0].rate: 0 "
                                "requests per second is not allowed: give a number above 0"});
    const auto huge = parse(R"(  traffic:
  - {rate: 2000000, requests: [{url: http://web.local/}]}
)");
    EXPECT_EQ(errors(huge),
              std::vector<std::string>{
                  "t.yaml:7:12: ILAB-SCENARIO-003: spec.traffic[0].rate: 2000000 requests per "
                  "second is over the limit of 1000000"});
    // A ramp may start at 0.
    const auto ramp = parse(R"(  traffic:
  - {rate: 0, stages: [{duration: 5s, target: 50}], requests: [{url: http://web.local/}]}
)");
    EXPECT_TRUE(errors(ramp).empty()) << errors(ramp).front();
}

TEST(ScenarioMistakesTest, ZeroUsersAStageOfNoTimeAndAllWeightsZeroAreRefused) {
    const auto s = parse(R"(  traffic:
  - name: users
    virtualUsers: 0
    requests: [{url: http://web.local/}]
  - name: ramp
    stages: [{duration: 0s, target: 10}]
    requests: [{url: http://web.local/}]
  - name: silent
    rate: 10
    requests: [{url: http://web.local/a, weight: 0}, {url: http://web.local/b, weight: 0}]
)");
    EXPECT_EQ(errors(s),
              (std::vector<std::string>{
                  "t.yaml:8:19: ILAB-SCENARIO-003: spec.traffic[0].virtualUsers: 0 users is not "
                  "allowed: give a number above 0",
                  "t.yaml:11:25: ILAB-SCENARIO-003: spec.traffic[1].stages[0].duration: must be "
                  "above 0 (a stage ramps over it)",
                  "t.yaml:15:15: ILAB-SCENARIO-003: spec.traffic[2].requests: every weight is 0, "
                  "so no request would be sent"}));
}

TEST(ScenarioMistakesTest, AFaultOnAServiceTheManifestsDoNotDefineIsRefusedAtItsTarget) {
    const auto s = parse(R"(  traffic:
  - {rate: 10, requests: [{url: http://web.local/}]}
  timeline:
  - at: 1s
    fault:
      kind: status
      target: {service: wbe}
)");
    ASSERT_TRUE(s.scenario);
    ASSERT_TRUE(errors(s).empty()) << errors(s).front();
    const auto manifests = model::loadManifestsFromText(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n",
        "m.yaml");
    core::Diagnostics d;
    checkReferences(*s.scenario, manifests, d);
    ASSERT_EQ(d.items().size(), 1u);
    const auto& e = d.items().front();
    EXPECT_EQ(e.code, "ILAB-SCENARIO-006");
    EXPECT_EQ(e.message,
              "the scenario names Service \"default/wbe\", which the manifests do not define");
    EXPECT_EQ(e.location.str(), "t.yaml:12:15");  // the target, not the timeline entry
    EXPECT_EQ(e.hint, "did you mean \"default/web\"?");
}

}  // namespace
}  // namespace ilab::scenario
