// POST /api/v1/faults on a Service the lab does not define: refused with 400 and the reason,
// and nothing listed as active (before, it got an id and showed as an active fault).
#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "app/web/server/web_lab.h"
#include "tests/support/http_client.h"

namespace ilab::web {
namespace {

using Json = nlohmann::json;

class FaultTargetApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        WebLabOptions o;
        o.address = "127.0.0.1";
        o.port = 0;
        o.bench.http_port = 0;
        o.bench.https_port = 0;
        o.bench.ephemeral_pod_ports = true;
        o.bench.ca_directory = ca_.string();
        core::Diagnostics d;
        lab_ = WebLab::start(o, ILAB_SOURCE_DIR "/scenarios/shop", {}, d);
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

    std::filesystem::path ca_ = std::filesystem::temp_directory_path() /
                                ("ilab-web-fault-target-" + std::to_string(::getpid()));
    std::unique_ptr<WebLab> lab_;
};

TEST_F(FaultTargetApiTest, AFaultOnAServiceThatDoesNotExistIsRefusedWithTheReason) {
    const Json missing = {
        {"kind", "status"},
        {"target", {{"kind", "service"}, {"namespace", "shop"}, {"name", "acount"}}}};
    auto r = call("POST", "/api/v1/faults", missing.dump());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    const Json answer = Json::parse(r->body, nullptr, false);
    EXPECT_EQ(answer.value("code", ""), "fault") << r->body;
    EXPECT_EQ(answer.value("field", ""), "target") << r->body;
    EXPECT_EQ(answer.value("error", ""),
              "Service \"shop/acount\" does not exist in the lab's manifests: no fault injected");
    auto faults = call("GET", "/api/v1/faults");
    ASSERT_TRUE(faults);
    EXPECT_TRUE(Json::parse(faults->body)["faults"].empty()) << faults->body;

    const Json real = {
        {"kind", "status"},
        {"target", {{"kind", "service"}, {"namespace", "shop"}, {"name", "account"}}}};
    auto ok = call("POST", "/api/v1/faults", real.dump());
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 201) << ok->body;
}

}  // namespace
}  // namespace ilab::web
