// explain's answers for every bundled scenario stay byte-identical (issue 13: reshaping the
// engine for more controllers must not move ingress-nginx's behaviour by one case). For each
// scenario: one request per rule of its table (http and https), and every request its traffic
// and expectations send, decided by its first controller with a seeded draw; the decisions as
// `explain -o json` prints them are compared with tests/golden/explain/<scenario>.json.
// After a deliberate change of behaviour: ILAB_UPDATE_GOLDEN=1 ilab_scenario_tests
// --gtest_filter='ExplainGolden*', then review the diff.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/controllers/controller.h"
#include "engine/core/random.h"
#include "engine/routing/decision_json.h"
#include "engine/scenario/scenario.h"
#include "engine/scenario/scenario_manifests.h"

namespace ilab::scenario {
namespace {

namespace fs = std::filesystem;

const fs::path kScenarios = fs::path(ILAB_SOURCE_DIR) / "scenarios";
const fs::path kGolden = fs::path(ILAB_SOURCE_DIR) / "tests/golden/explain";

// The requests to decide: the scenario's own, then one per rule (a regex path as written).
std::vector<RequestSpec> requestsOf(const Scenario& s, const routing::RouteTable& table) {
    std::vector<RequestSpec> out;
    for (const auto& p : s.traffic)
        for (const auto& r : p.requests) out.push_back(r);
    for (const auto& x : s.request_expectations) out.push_back(x.request);
    for (const auto& server : table.servers())
        for (const auto& loc : server.locations) {
            if (loc.ingress.empty() || server.name == "_") continue;
            for (const char* scheme : {"http", "https"}) {
                RequestSpec r;
                r.url = std::string(scheme) + "://" + server.name + loc.path;
                if (splitUrl(r)) out.push_back(r);
            }
        }
    return out;
}

// Every decision of one scenario, keyed by "<n> <METHOD> <url>" in order, as explain prints it.
std::string decisionsOf(const fs::path& folder) {
    const LoadedScenario loaded = loadScenario(folder.string());
    if (!loaded.scenario) return "the scenario does not load";
    const Scenario& s = *loaded.scenario;
    const model::LoadOptions load = scenarioLoadOptions(s);
    const model::Manifests manifests = loadScenarioManifests(s, load);
    const controllers::Controller* first = scenarioController(s);  // its spec.controllers' first
    const auto table = (first ? *first : controllers::controllerFor(load))
                           .compile(manifests, scenarioCompileOptions(s), nullptr);
    nlohmann::ordered_json all = nlohmann::ordered_json::object();
    core::SeededRandom random(s.seed);
    int n = 0;
    for (const RequestSpec& r : requestsOf(s, *table)) {
        const routing::Decision d =
            table->match(routingRequest(r, r.scheme == "https" ? 443 : 80), &random);
        std::string key = std::to_string(++n) + " " + r.method + " " + r.url;
        for (const auto& [name, value] : r.headers) key += " | " + name + ": " + value;
        all[key] = routing::decisionToJson(d);
    }
    return all.dump(2) + "\n";
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(ExplainGoldenTest, EveryBundledScenarioIsDecidedAsBefore) {
    const bool update = std::getenv("ILAB_UPDATE_GOLDEN") != nullptr;
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(kScenarios))
        if (fs::exists(entry.path() / "scenario.yaml")) folders.push_back(entry.path());
    std::sort(folders.begin(), folders.end());
    ASSERT_GE(folders.size(), 16u);
    for (const auto& folder : folders) {
        const std::string name = folder.filename().string();
        const std::string now = decisionsOf(folder);
        const fs::path golden = kGolden / (name + ".json");
        if (update) {
            fs::create_directories(kGolden);
            std::ofstream(golden) << now;
            continue;
        }
        ASSERT_TRUE(fs::exists(golden)) << golden << " is missing: run with ILAB_UPDATE_GOLDEN=1";
        EXPECT_EQ(now, readFile(golden)) << "explain's answers for scenarios/" << name
                                         << " changed; see the diff with ILAB_UPDATE_GOLDEN=1";
    }
}

}  // namespace
}  // namespace ilab::scenario
