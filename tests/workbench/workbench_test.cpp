// The session the front ends share, over a real lab on loopback, without any GUI: updates
// arrive through the wake-up and takeUpdate(), faults act, a composed request comes back with
// its decision, and a short scenario plays to its verdicts.
#include "engine/workbench/workbench.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "engine/lab/lab.h"
#include "tests/support/one_pod_manifests.h"

namespace ilab::workbench {
namespace {

const std::string kShop = ILAB_SOURCE_DIR "/scenarios/shop";

class WorkbenchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ca_ = std::filesystem::temp_directory_path() /
              ("ilab-workbench-" + std::to_string(::getpid()));
        WorkbenchOptions o;
        o.http_port = 0;
        o.https_port = 0;
        o.ephemeral_pod_ports = true;
        o.ca_directory = ca_.string();
        bench_ = std::make_unique<Workbench>(o, [this] { ++wakes_; });
    }
    void TearDown() override {
        bench_.reset();
        std::filesystem::remove_all(ca_);
    }
    // Takes updates (as an owner thread would when woken) until `done` or 10 s.
    template <class Done>
    bool pump(Done done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (wakes_.exchange(0) > 0) {
                Update u = bench_->takeUpdate();
                for (const auto& b : u.batches) events_ += b->events.size();
                for (const auto& e : u.cluster_events)
                    faults_cleared_ += e.kind == cluster::ClusterEvent::Kind::FaultCleared;
                for (const auto& n : u.notices) {
                    notices_.push_back(n.kind);
                    if (n.kind == Notice::Kind::Problem) problems_.push_back(n.text);
                }
                for (const auto& b : u.batches)
                    for (const auto& e : b->events) {
                        statuses_.push_back(e.status);
                        faulted_ += !e.faults.empty();
                    }
            }
            if (done()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return false;
    }

    // Composes `url` and waits for its answer; nullopt when refused or not back within 10 s.
    std::optional<ComposedResult> composeAndWait(const std::string& url) {
        std::atomic<bool> done{false};
        ComposedResult result;
        scenario::RequestSpec r;
        r.url = url;
        const bool sent = bench_->compose(r, [&](ComposedResult c) {
            result = std::move(c);
            done = true;
        });
        if (!sent || !pump([&] { return done.load(); })) return std::nullopt;
        return result;
    }

    std::filesystem::path ca_;
    std::atomic<int> wakes_{0};
    std::unique_ptr<Workbench> bench_;
    std::size_t events_ = 0;
    std::vector<int> statuses_;
    std::size_t faulted_ = 0;  // events that name a fault that acted on them
    std::size_t faults_cleared_ = 0;  // FaultCleared events of the shown lab
    std::vector<Notice::Kind> notices_;
    std::vector<std::string> problems_;  // the texts of Problem notices
};

// One pod behind an Ingress whose pathType is misspelled ("Prefx" when `typo`): the API
// server refuses the Ingress, so nothing is routable.
std::string onePodManifests(bool typo) {
    return ilab::testing::onePodManifests(typo ? "Prefx" : "Prefix");
}

TEST_F(WorkbenchTest, ALabWithNothingRoutableOpensSaysWhyAndStartsNoTrafficUntilFixed) {
    const auto file = ca_ / "typo" / "manifests.yaml";
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << onePodManifests(true);
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open("", {file.string()}, d)) << d.items().size();
    EXPECT_TRUE(d.contains("ILAB-API-003"));  // the refused pathType, for the Problems view
    ASSERT_TRUE(pump([&] { return !problems_.empty(); }));
    EXPECT_NE(problems_.front().find("no Ingress rule is served"), std::string::npos)
        << problems_.front();
    EXPECT_FALSE(bench_->routingProblem().empty());

    // Start: refused with the reason, nothing running, the lab still open.
    problems_.clear();
    EXPECT_FALSE(bench_->startTraffic());
    EXPECT_FALSE(bench_->trafficRunning());
    ASSERT_TRUE(pump([&] { return !problems_.empty(); }));
    EXPECT_EQ(problems_.front(), bench_->trafficProblem());
    EXPECT_TRUE(bench_->isOpen());

    // Fixed in the editor: the default mix follows the rules, and traffic flows.
    core::Diagnostics applied;
    ASSERT_TRUE(bench_->apply({{file.string(), onePodManifests(false)}}, applied));
    EXPECT_TRUE(bench_->routingProblem().empty());
    EXPECT_TRUE(bench_->trafficProblem().empty());
    ASSERT_EQ(bench_->trafficSettings().profiles.size(), 1u);
    EXPECT_EQ(bench_->trafficSettings().profiles[0].requests.size(), 1u);
    EXPECT_TRUE(bench_->startTraffic());
    ASSERT_TRUE(pump([&] { return std::count(statuses_.begin(), statuses_.end(), 200) > 3; }));
    bench_->stopTraffic();
}

TEST_F(WorkbenchTest, TrafficArrivesThroughWakeUpsAndFaultsAct) {
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open(kShop, {}, d));
    EXPECT_EQ(bench_->manifestFiles().size(), 2u);
    EXPECT_EQ(bench_->trafficSettings().rate, 80);
    bench_->startTraffic();
    ASSERT_TRUE(pump([&] { return events_ > 40; }));
    EXPECT_NE(std::find(notices_.begin(), notices_.end(), Notice::Kind::TrafficChanged),
              notices_.end());

    cluster::FaultSpec f;
    f.kind = cluster::FaultSpec::Kind::Status;
    f.status = 503;
    f.target = {cluster::Target::Kind::Service, "shop", "account"};
    const auto id = bench_->injectFault(f);
    EXPECT_EQ(bench_->activeFaults().size(), 1u);
    EXPECT_EQ(bench_->activeFaults().front().text, "answer 503 on service shop/account");
    ASSERT_TRUE(pump([&] { return std::count(statuses_.begin(), statuses_.end(), 503) > 3; }));
    EXPECT_GT(faulted_, 3u);  // the pods' answers name the fault, and the events carry it
    bench_->clearFault(id);
    EXPECT_TRUE(bench_->activeFaults().empty());
    ASSERT_EQ(bench_->faultHistory().size(), 1u);
    bench_->stopTraffic();
}

TEST_F(WorkbenchTest, ComposedRequestComesBackWithItsDecision) {
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open(kShop, {}, d));
    const auto composed = composeAndWait("https://api.shop.local/api/items?page=2");
    ASSERT_TRUE(composed);
    const ComposedResult& result = *composed;
    EXPECT_EQ(result.record.status, 200);
    ASSERT_TRUE(result.decision.backend);
    EXPECT_EQ(result.decision.backend->service, "catalog");
    EXPECT_EQ(result.decision.upstream.path, "/items?page=2");
    EXPECT_FALSE(result.decision.trace.empty());
}

TEST_F(WorkbenchTest, AComposedCanaryRequestIsExplainedByTheDrawTheProxyMade) {
    // The shop's catalog has a 10% weighted canary (catalog-v2). The decision shown beside
    // the answer is the proxy's own, replayed from its draw: it names the Service that served.
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open(kShop, {}, d));
    // Until both sides have served twice (at 10%, 150 requests leave a chance below 1e-5 that
    // the canary never does).
    int canaries = 0, mains = 0;
    for (int i = 0; i < 150 && (canaries < 2 || mains < 2); ++i) {
        const auto composed = composeAndWait("https://shop.local/catalog");
        ASSERT_TRUE(composed) << "request " << i;
        const ComposedResult& result = *composed;
        ASSERT_EQ(result.record.status, 200) << result.record.error;
        ASSERT_TRUE(result.decision.backend);
        ASSERT_TRUE(result.decision.canary_draw.has_value()) << "request " << i;
        EXPECT_EQ(result.decision.canary, *result.decision.canary_draw <= 10);
        EXPECT_EQ(result.decision.backend->service, result.served_service) << "request " << i;
        EXPECT_EQ(result.decision.canary, result.served_service == "catalog-v2");
        canaries += result.decision.canary;
        mains += !result.decision.canary;
    }
    EXPECT_GE(canaries, 2);
    EXPECT_GE(mains, 2);
}

TEST_F(WorkbenchTest, TrafficStartsOnOpenWhenAskedAndOnlyWhenSomethingIsRoutable) {
    WorkbenchOptions o;
    o.http_port = 0;
    o.https_port = 0;
    o.ephemeral_pod_ports = true;
    o.ca_directory = ca_.string();
    o.traffic_on_open = true;
    bench_ = std::make_unique<Workbench>(o, [this] { ++wakes_; });
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open(kShop, {}, d));
    EXPECT_TRUE(bench_->trafficRunning());
    ASSERT_TRUE(pump([&] { return events_ > 20; }));

    const auto file = ca_ / "typo" / "manifests.yaml";
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << onePodManifests(true);
    ASSERT_TRUE(bench_->open("", {file.string()}, d));
    EXPECT_FALSE(bench_->trafficRunning());
    EXPECT_FALSE(bench_->trafficProblem().empty());
}

TEST_F(WorkbenchTest, PlayingAScenarioReportsEachVerdictAndKeepsTheRun) {
    const auto dir = ca_ / "scenario";
    std::filesystem::create_directories(dir);
    // A scenario names files inside its own folder only: the shop's, copied in.
    for (const char* name : {"manifests.yaml", "workloads.yaml"})
        std::filesystem::copy_file(kShop + "/" + name, dir / name);
    std::ofstream(dir / "scenario.yaml") << "apiVersion: ingress-lab.dev/v1alpha1\n"
                                            "kind: Scenario\n"
                                            "metadata: {name: short}\n"
                                            "spec:\n"
                                            "  manifests: [manifests.yaml, workloads.yaml]\n"
                                            "  duration: 1s\n"
                                            "  traffic:\n"
                                            "  - {name: t, rate: 20, requests: [{url: https://shop.local/account/orders}]}\n"
                                            "  expect:\n"
                                            "    metrics:\n"
                                            "    - {name: no errors, metric: errorRate, max: 0}\n";
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open(dir.string(), {}, d));
    std::string error;
    ASSERT_TRUE(bench_->playScenario(&error)) << error;
    ASSERT_TRUE(pump([&] {
        return std::find(notices_.begin(), notices_.end(), Notice::Kind::RunFinished) != notices_.end();
    }));
    EXPECT_NE(std::find(notices_.begin(), notices_.end(), Notice::Kind::Judged), notices_.end());
    ASSERT_TRUE(bench_->lastRun());
    EXPECT_TRUE(bench_->lastRun()->passed());
    EXPECT_TRUE(bench_->showingFinishedRun());
    bench_->returnToLiveLab();
    EXPECT_FALSE(bench_->showingFinishedRun());
}

// A copy of the shop with a short scenario whose timeline injects a fault that stays until
// cleared; a scenario names files inside its own folder only.
std::filesystem::path shortShopScenario(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    for (const char* name : {"manifests.yaml", "workloads.yaml"})
        std::filesystem::copy_file(kShop + "/" + name, dir / name,
                                   std::filesystem::copy_options::overwrite_existing);
    std::ofstream(dir / "scenario.yaml")
        << "apiVersion: ingress-lab.dev/v1alpha1\n"
           "kind: Scenario\n"
           "metadata: {name: faults}\n"
           "spec:\n"
           "  manifests: [manifests.yaml, workloads.yaml]\n"
           "  duration: 3s\n"
           "  traffic:\n"
           "  - {name: t, rate: 10, requests: [{url: https://shop.local/account/orders}]}\n"
           "  timeline:\n"
           "  - at: 100ms\n"
           "    fault:\n"
           "      kind: latency\n"
           "      target: {service: storefront, namespace: shop}\n"
           "      latency: 20ms\n";
    return dir;
}

// The fault ids every pod of the live lab's cluster reports as acting on it.
std::set<std::uint64_t> liveClusterFaults(const Workbench& bench) {
    std::set<std::uint64_t> ids;
    for (const auto& pod : bench.interactiveLab()->cluster().pods())
        ids.insert(pod.active_faults.begin(), pod.active_faults.end());
    return ids;
}

std::vector<std::uint64_t> idsOf(const std::vector<ActiveFault>& faults) {
    std::vector<std::uint64_t> ids;
    for (const auto& f : faults)
        ids.push_back(f.id);
    return ids;
}

TEST_F(WorkbenchTest, FaultsKeepOneListAcrossPlayStopAndTheLiveLab) {
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open(shortShopScenario(ca_ / "faults").string(), {}, d));
    cluster::FaultSpec f;
    f.kind = cluster::FaultSpec::Kind::Status;
    f.status = 503;
    f.target = {cluster::Target::Kind::Service, "shop", "account"};
    const std::uint64_t mine = bench_->injectFault(f);
    ASSERT_NE(mine, 0u);
    ASSERT_EQ(liveClusterFaults(*bench_).size(), 1u);

    // While the scenario plays: the live lab's fault and the timeline's, each with its own id.
    std::string error;
    ASSERT_TRUE(bench_->playScenario(&error)) << error;
    ASSERT_TRUE(pump([&] { return bench_->activeFaults().size() == 2; }))
        << bench_->activeFaults().size();
    const auto during = bench_->activeFaults();
    const auto timeline = std::find_if(during.begin(), during.end(),
                                       [&](const ActiveFault& a) { return a.id != mine; });
    ASSERT_NE(timeline, during.end());
    EXPECT_NE(timeline->text.find("storefront"), std::string::npos) << timeline->text;
    EXPECT_TRUE(timeline->scenario_run);
    EXPECT_EQ(std::count_if(during.begin(), during.end(),
                            [&](const ActiveFault& a) {
                                return a.id == mine && !a.scenario_run &&
                                       a.text == "answer 503 on service shop/account";
                            }),
              1);
    // The timeline's fault is removable like any other; the live one stays.
    bench_->clearFault(timeline->id);
    EXPECT_EQ(idsOf(bench_->activeFaults()), std::vector{mine});
    // The shown pods name the faults by the list's ids.
    const auto texts = bench_->faultTexts();
    for (const auto& pod : bench_->pods())
        for (const auto id : pod.active_faults)
            EXPECT_TRUE(texts.count(id)) << pod.name << " " << id;

    // Stopped: the run's lab is gone, the live lab's fault is still listed, acting and removable.
    bench_->cancelScenario();
    ASSERT_TRUE(pump([&] {
        return std::find(notices_.begin(), notices_.end(), Notice::Kind::RunFinished) !=
               notices_.end();
    }));
    EXPECT_TRUE(bench_->showingFinishedRun());
    EXPECT_EQ(idsOf(bench_->activeFaults()), std::vector{mine});
    EXPECT_EQ(liveClusterFaults(*bench_).size(), 1u);
    std::size_t badges = 0;
    for (const auto& pod : bench_->pods())
        for (const auto id : pod.active_faults)
            badges += id == mine;
    EXPECT_GT(badges, 0u);  // the account pods, by the listed id

    bench_->clearFault(mine);
    EXPECT_TRUE(bench_->activeFaults().empty());
    EXPECT_TRUE(liveClusterFaults(*bench_).empty());
    // Back on the live lab, with every event of its cluster taken (a later fault's clearing
    // comes after them): a deleted fault never comes back.
    bench_->returnToLiveLab();
    faults_cleared_ = 0;
    bench_->clearFault(bench_->injectFault(f));
    ASSERT_TRUE(pump([&] { return faults_cleared_ > 0; }));
    EXPECT_TRUE(bench_->activeFaults().empty());
    EXPECT_TRUE(bench_->faultTexts().empty());
}

TEST_F(WorkbenchTest, AFaultClearedBeforeItsEventArrivesStaysCleared) {
    core::Diagnostics d;
    ASSERT_TRUE(bench_->open(kShop, {}, d));
    cluster::FaultSpec f;
    f.kind = cluster::FaultSpec::Kind::Status;
    f.target = {cluster::Target::Kind::Service, "shop", "catalog"};
    const auto id = bench_->injectFault(f);
    bench_->clearFault(id);  // its FaultInjected event is still in the mailbox
    ASSERT_TRUE(pump([&] { return faults_cleared_ > 0; }));
    EXPECT_TRUE(bench_->activeFaults().empty());
    ASSERT_EQ(bench_->faultHistory().size(), 1u);
    EXPECT_TRUE(bench_->faultHistory().front().until_s);
}

TEST_F(WorkbenchTest, AScenarioFolderThatLinksOutDoesNotOpen) {
    // The scenario names a folder inside its own; a file in it is a symlink to one outside.
    const auto dir = ca_ / "linked";
    std::filesystem::create_directories(dir / "manifests");
    std::filesystem::copy_file(kShop + "/workloads.yaml", dir / "manifests" / "workloads.yaml");
    std::filesystem::create_symlink(kShop + "/manifests.yaml", dir / "manifests" / "shop.yaml");
    std::ofstream(dir / "scenario.yaml") << "apiVersion: ingress-lab.dev/v1alpha1\n"
                                            "kind: Scenario\n"
                                            "metadata: {name: linked}\n"
                                            "spec:\n"
                                            "  manifests: [manifests]\n";
    core::Diagnostics d;
    EXPECT_FALSE(bench_->open(dir.string(), {}, d));
    EXPECT_TRUE(d.contains("ILAB-INPUT-004"));
    EXPECT_EQ(bench_->interactiveLab(), nullptr);
}

// Issue 14, item 6: the studio and the web lab validated a scenario that `run` rejects (a
// misspelled Service, ILAB-SCENARIO-006) as clean. validate() checks what run checks.
TEST(WorkbenchValidateTest, AScenarioNamingAMissingServiceIsAnErrorAsInRun) {
    const std::string path = ILAB_SOURCE_DIR "/scenarios/no-endpoints-503/scenario.yaml";
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(text.empty());
    const auto clean = Workbench::validate({}, model::ManifestSource{path, text});
    EXPECT_FALSE(clean.hasErrors());
    const std::string wrong = "backend: \"\"}";
    ASSERT_NE(text.find(wrong), std::string::npos);
    text.replace(text.find(wrong), wrong.size(), "backend: default/paymnts}");
    const auto d = Workbench::validate({}, model::ManifestSource{path, text});
    const core::Diagnostic* missing = nullptr;
    for (const auto& item : d.items())
        if (item.code == "ILAB-SCENARIO-006") missing = &item;
    ASSERT_NE(missing, nullptr) << "validate() passed what run rejects";
    EXPECT_EQ(missing->severity, core::Severity::Error);
    EXPECT_NE(missing->message.find("paymnts"), std::string::npos) << missing->message;
    EXPECT_GT(missing->location.line, 0);
}

}  // namespace
}  // namespace ilab::workbench

namespace ilab::workbench {
namespace {

// scenarios/side-by-side: ingress-nginx and the spec-only controller on the same pods. The
// session shows both controllers, and traffic arrives from each through the one mailbox.
TEST(WorkbenchControllersTest, AScenarioWithTwoControllersShowsBothAndTheirTraffic) {
    const auto ca = std::filesystem::temp_directory_path() /
                    ("ilab-workbench-two-" + std::to_string(::getpid()));
    std::atomic<int> wakes{0};
    WorkbenchOptions o;
    o.http_port = 0;
    o.https_port = 0;
    o.ephemeral_pod_ports = true;
    o.ca_directory = ca.string();
    auto bench = std::make_unique<Workbench>(o, [&wakes] { ++wakes; });
    core::Diagnostics d;
    ASSERT_TRUE(bench->open(ILAB_SOURCE_DIR "/scenarios/side-by-side", {}, d));
    const auto controllers = bench->controllers();
    ASSERT_EQ(controllers.size(), 2u);
    EXPECT_EQ(controllers[0].name, "nginx");
    EXPECT_EQ(controllers[1].name, "spec");
    EXPECT_NE(controllers[1].http_port, 0);
    const LabRoutes routes = bench->routes();
    ASSERT_EQ(routes.size(), 2u);
    EXPECT_EQ(routes[1].table->options().controller_id, "spec");

    ASSERT_TRUE(bench->startTraffic());
    std::set<std::string> answered_by;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (answered_by.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        if (wakes.exchange(0) > 0)
            for (const auto& b : bench->takeUpdate().batches)
                for (const auto& e : b->events) answered_by.insert(e.controller);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    bench->stopTraffic();
    EXPECT_EQ(answered_by, (std::set<std::string>{"nginx", "spec"}));
    bench.reset();
    std::filesystem::remove_all(ca);
}

}  // namespace
}  // namespace ilab::workbench
