// The fault list through the JSON API across "Play scenario": a fault injected before Play is
// listed during and after the run and can be removed; the timeline's fault is listed while it
// acts; a removed fault stays removed when the lab goes live again (before, the list showed
// the finished run's faults, the live fault could not be removed, and it came back later).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "app/web/server/web_lab.h"
#include "tests/support/http_client.h"

namespace ilab::web {
namespace {

using Json = nlohmann::json;

class FaultListApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // The shop with a short scenario whose timeline adds a fault that stays until cleared.
        const auto dir = ca_ / "scenario";
        std::filesystem::create_directories(dir);
        for (const char* name : {"manifests.yaml", "workloads.yaml"})
            std::filesystem::copy_file(std::string(ILAB_SOURCE_DIR "/scenarios/shop/") + name,
                                       dir / name);
        std::ofstream(dir / "scenario.yaml")
            << "apiVersion: ingress-lab.dev/v1alpha1\n"
               "kind: Scenario\n"
               "metadata: {name: faults}\n"
               "spec:\n"
               "  manifests: [manifests.yaml, workloads.yaml]\n"
               "  duration: 2s\n"
               "  traffic:\n"
               "  - {name: t, rate: 10, requests: [{url: https://shop.local/account/orders}]}\n"
               "  timeline:\n"
               "  - at: 100ms\n"
               "    fault:\n"
               "      kind: latency\n"
               "      target: {service: storefront, namespace: shop}\n"
               "      latency: 20ms\n";
        WebLabOptions o;
        o.address = "127.0.0.1";
        o.port = 0;
        o.bench.http_port = 0;
        o.bench.https_port = 0;
        o.bench.ephemeral_pod_ports = true;
        o.bench.ca_directory = ca_.string();
        core::Diagnostics d;
        lab_ = WebLab::start(o, dir.string(), {}, d);
        ASSERT_TRUE(lab_) << (d.items().empty() ? "" : d.items().front().message);
    }
    void TearDown() override {
        if (lab_) lab_->stop();
        std::filesystem::remove_all(ca_);
    }
    std::optional<ilab::testing::HttpResponse> call(const std::string& method,
                                                    const std::string& target,
                                                    const std::string& body = {}) {
        ilab::testing::HttpConnection c("127.0.0.1", lab_->port());
        std::vector<std::pair<std::string, std::string>> headers = {
            {"Host", "127.0.0.1:" + std::to_string(lab_->port())}};
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        return c.request(method, target, headers, body);
    }
    Json activeFaults() {
        auto r = call("GET", "/api/v1/faults");
        if (!r || r->status != 200) return Json::array();
        return Json::parse(r->body, nullptr, false).value("faults", Json::array());
    }
    // Polls (well under the API's rate limit) until `done` or 10 s.
    bool until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (done()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    std::filesystem::path ca_ = std::filesystem::temp_directory_path() /
                                ("ilab-web-fault-list-" + std::to_string(::getpid()));
    std::unique_ptr<WebLab> lab_;
};

TEST_F(FaultListApiTest, AFaultInjectedBeforePlayIsListedAfterItAndRemovedForGood) {
    const Json fault = {
        {"kind", "status"},
        {"target", {{"kind", "service"}, {"namespace", "shop"}, {"name", "account"}}}};
    auto injected = call("POST", "/api/v1/faults", fault.dump());
    ASSERT_TRUE(injected);
    ASSERT_EQ(injected->status, 201) << injected->body;
    const std::uint64_t mine = Json::parse(injected->body)["id"].get<std::uint64_t>();

    auto play = call("POST", "/api/v1/scenario/play");
    ASSERT_TRUE(play);
    ASSERT_EQ(play->status, 202) << play->body;
    // While it plays: the live fault and the timeline's, under different ids.
    Json during;
    ASSERT_TRUE(until([&] { return (during = activeFaults()).size() == 2; })) << during.dump();
    EXPECT_NE(during[0]["id"], during[1]["id"]) << during.dump();
    std::size_t live = 0, run = 0;
    for (const auto& f : during) {
        live += f["id"] == mine && f["lab"] == "live";
        run += f["lab"] == "run" &&
               f["text"].get<std::string>().find("storefront") != std::string::npos;
    }
    EXPECT_EQ(live, 1u) << during.dump();
    EXPECT_EQ(run, 1u) << during.dump();

    // Finished: the run's fault ended with its lab; the live one is listed and removable.
    ASSERT_TRUE(until([&] {
        auto r = call("GET", "/api/v1/scenario/result");
        return r && r->status == 200;
    }));
    const Json after = activeFaults();
    ASSERT_EQ(after.size(), 1u) << after.dump();
    EXPECT_EQ(after[0]["id"], mine);
    EXPECT_EQ(after[0]["text"], "answer 503 on service shop/account");
    auto removed = call("DELETE", "/api/v1/faults/" + std::to_string(mine));
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->status, 204);
    EXPECT_TRUE(activeFaults().empty());

    // Live again (traffic starts on the live lab): the removed fault does not come back, and
    // the live lab's pods answer.
    auto start = call("POST", "/api/v1/traffic", R"({"action": "start"})");
    ASSERT_TRUE(start);
    EXPECT_EQ(start->status, 200) << start->body;
    const Json request = {{"method", "GET"}, {"url", "https://shop.local/account/orders"}};
    auto composed = call("POST", "/api/v1/requests", request.dump());
    ASSERT_TRUE(composed);
    ASSERT_EQ(composed->status, 200) << composed->body;
    EXPECT_EQ(Json::parse(composed->body, nullptr, false).value("status", 0), 200)
        << composed->body;
    EXPECT_TRUE(activeFaults().empty()) << activeFaults().dump();
    call("POST", "/api/v1/traffic", R"({"action": "stop"})");
}

}  // namespace
}  // namespace ilab::web
