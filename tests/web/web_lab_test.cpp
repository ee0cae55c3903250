// The web lab's server over real loopback sockets: the page and the API answer, files outside
// the lab are refused, validation finds a typo at its line, and the limits and the token hold.
#include "app/web/server/web_lab.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"

namespace ilab::web {
namespace {

using ilab::testing::HttpConnection;
using Json = nlohmann::json;

const std::string kShop = ILAB_SOURCE_DIR "/scenarios/shop";

class WebLabTest : public ::testing::Test {
  protected:
    void TearDown() override {
        if (lab_) lab_->stop();
        std::filesystem::remove_all(ca_);
    }
    void start(const std::string& address = "127.0.0.1", const std::string& scenario = kShop) {
        WebLabOptions o;
        o.address = address;
        o.port = 0;
        o.bench.http_port = 0;
        o.bench.https_port = 0;
        o.bench.ephemeral_pod_ports = true;
        o.bench.ca_directory = ca_.string();
        core::Diagnostics d;
        lab_ = WebLab::start(o, scenario, {}, d);
        ASSERT_TRUE(lab_) << (d.items().empty() ? "" : d.items().front().message);
    }
    std::optional<ilab::testing::HttpResponse> call(
        const std::string& method, const std::string& target, const std::string& body = {},
        std::vector<std::pair<std::string, std::string>> headers = {}) {
        HttpConnection c("127.0.0.1", lab_->port());
        headers.emplace_back("Host", "127.0.0.1:" + std::to_string(lab_->port()));
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        return c.request(method, target, headers, body);
    }

    std::filesystem::path ca_ = std::filesystem::temp_directory_path() /
                                ("ilab-web-" + std::to_string(::getpid()));
    std::unique_ptr<WebLab> lab_;
};

TEST_F(WebLabTest, ServesThePageTheLabAndTheMetrics) {
    start();
    EXPECT_EQ(lab_->url(), "http://127.0.0.1:" + std::to_string(lab_->port()) + "/");
    auto page = call("GET", "/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_NE(page->header("content-type").find("text/html"), std::string::npos);
    auto lab = call("GET", "/api/v1/lab");
    ASSERT_TRUE(lab);
    ASSERT_EQ(lab->status, 200);
    const Json j = Json::parse(lab->body);
    EXPECT_EQ(j["scenario"]["name"], "shop");
    EXPECT_EQ(j["files"].size(), 3u);
    EXPECT_EQ(j["files"][0]["path"], "scenario.yaml");  // relative: no server path leaks
    auto metrics = call("GET", "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    // A page elsewhere that rebinds its name to 127.0.0.1 reads no metrics (issue 12).
    HttpConnection rebound("127.0.0.1", lab_->port());
    auto evil = rebound.request("GET", "/metrics", {{"Host", "evil.example"}});
    ASSERT_TRUE(evil);
    EXPECT_EQ(evil->status, 403);
    // HEAD: GET's head, no body, and the connection stays usable for the next request.
    HttpConnection c("127.0.0.1", lab_->port());
    const std::string host = "127.0.0.1:" + std::to_string(lab_->port());
    auto head = c.raw("HEAD /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("content-length"), "3");
    auto after = c.request("GET", "/healthz", {{"Host", host}});
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
    EXPECT_EQ(after->body, "ok\n");
}

TEST_F(WebLabTest, FilesOutsideTheLabAreRefused) {
    start();
    for (const std::string target : {"/api/v1/files/../../etc/passwd", "/api/v1/files/%2Fetc%2Fpasswd",
                                     "/api/v1/files/other.yaml"}) {
        auto r = call("GET", target);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 403) << target;
        EXPECT_EQ(r->body.find("/etc"), std::string::npos);
    }
    auto own = call("GET", "/api/v1/files/manifests.yaml");
    ASSERT_TRUE(own);
    EXPECT_EQ(own->status, 200);
    auto put = call("PUT", "/api/v1/files/..%2Fescape.yaml", R"({"text": "x"})");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 403);
}

TEST_F(WebLabTest, OtherSitesCannotReachTheLab) {
    start();
    // DNS rebinding: a page whose own name points at 127.0.0.1.
    HttpConnection c("127.0.0.1", lab_->port());
    auto rebound = c.request("GET", "/api/v1/lab", {{"Host", "evil.example.com:" + std::to_string(lab_->port())}});
    ASSERT_TRUE(rebound);
    EXPECT_EQ(rebound->status, 403);
    // Cross-site request forgery: another site's page posting to the lab.
    auto forged = call("POST", "/api/v1/scenario/play", {}, {{"Origin", "http://evil.example.com"}});
    ASSERT_TRUE(forged);
    EXPECT_EQ(forged->status, 403);
    HttpConnection plain("127.0.0.1", lab_->port());
    auto text = plain.request("POST", "/api/v1/traffic",
                              {{"Host", "127.0.0.1:" + std::to_string(lab_->port())},
                               {"Content-Type", "text/plain"}},
                              R"({"action": "start"})");
    ASSERT_TRUE(text);
    EXPECT_EQ(text->status, 415);
}

TEST_F(WebLabTest, AScenarioCannotWidenWhatTheLabOrTheApiReads) {
    // A scenario (one downloaded, or a saved edit of it) naming files outside its folder does
    // not open: the lab never reads them and the API never serves them (issue 12).
    const auto dir = ca_ / "lab";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "scenario.yaml") << "apiVersion: ingress-lab.dev/v1alpha1\nkind: Scenario\n"
                                            "metadata: {name: outside}\nspec:\n  manifests: ["
                                         << kShop << "/manifests.yaml, " << kShop << "/workloads.yaml]\n";
    WebLabOptions o;
    o.port = 0;
    o.bench.http_port = 0;
    o.bench.https_port = 0;
    o.bench.ephemeral_pod_ports = true;
    o.bench.ca_directory = ca_.string();
    core::Diagnostics d;
    EXPECT_FALSE(WebLab::start(o, (dir / "scenario.yaml").string(), {}, d));
    ASSERT_TRUE(d.contains("ILAB-SCENARIO-007"));
    EXPECT_EQ(d.items().front().location.str(), (dir / "scenario.yaml").string() + ":5:15");

    // Manifests given with -f from two folders: the API serves the lab's folder's only.
    std::filesystem::copy_file(kShop + "/manifests.yaml", dir / "manifests.yaml");
    d = {};
    lab_ = WebLab::start(o, "", {(dir / "manifests.yaml").string(), kShop + "/workloads.yaml"}, d);
    ASSERT_TRUE(lab_);
    auto lab = call("GET", "/api/v1/lab");
    ASSERT_TRUE(lab);
    const Json files = Json::parse(lab->body)["files"];
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0]["path"], "manifests.yaml");
    auto outside = call("GET", "/api/v1/files/workloads.yaml");
    ASSERT_TRUE(outside);
    EXPECT_EQ(outside->status, 403);
}

TEST_F(WebLabTest, ValidationFindsATypoAtItsLine) {
    start();
    auto own = call("GET", "/api/v1/files/manifests.yaml");
    ASSERT_TRUE(own);
    std::string text = Json::parse(own->body)["text"];
    text.replace(text.find("pathType: Prefix"), 16, "pathType: Prefx");
    Json body = {{"files", {{{"path", "manifests.yaml"}, {"text", text}}}}};
    auto r = call("POST", "/api/v1/validate", body.dump());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    const Json d = Json::parse(r->body)["diagnostics"];
    ASSERT_FALSE(d.empty());
    EXPECT_EQ(d[0]["file"], "manifests.yaml");
    EXPECT_EQ(d[0]["line"], 19);
    EXPECT_EQ(d[0]["code"], "ILAB-API-003");
    // Applying it is refused and the running configuration stays.
    auto a = call("POST", "/api/v1/apply", body.dump());
    ASSERT_TRUE(a);
    EXPECT_FALSE(Json::parse(a->body)["applied"].get<bool>());
}

TEST_F(WebLabTest, BodiesBadJsonAndRatesAreLimited) {
    start();
    auto big = call("POST", "/api/v1/validate", std::string(2 << 20, ' '));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
    auto bad = call("POST", "/api/v1/faults", "{not json");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(bad->body.find("nlohmann"), std::string::npos);
    auto wrong = call("POST", "/api/v1/faults", R"({"kind": "meteor"})");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 400);
    int limited = 0;
    for (int i = 0; i < 60; ++i) {
        auto r = call("GET", "/api/v1/faults");
        ASSERT_TRUE(r);
        limited += r->status == 429;
    }
    EXPECT_GT(limited, 0);  // 40 at once, then 20 a second
}

TEST_F(WebLabTest, LongChunkExtensionsAndTrailersGet400AndTheLabLivesOn) {
    // A trailer field over 64 KiB made Beast throw out of the io thread and end the process;
    // chunk-size lines and trailers grew the buffer without bound (issue 12).
    start();
    const std::string host = "127.0.0.1:" + std::to_string(lab_->port());
    const std::string head = "POST /api/v1/validate HTTP/1.1\r\nHost: " + host +
                             "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string big(70 * 1024, 'a');
    for (const std::string& body : {"2\r\n{}\r\n0\r\nX-T: " + big + "\r\n\r\n",
                                    "2;" + big + "\r\n{}\r\n0\r\n\r\n"}) {
        HttpConnection c("127.0.0.1", lab_->port());
        auto r = c.raw(head + body);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400);
    }
    auto alive = call("GET", "/healthz");
    ASSERT_TRUE(alive);
    EXPECT_EQ(alive->status, 200);
}

TEST_F(WebLabTest, WebSocketUpgradesCheckTheirOrigin) {
    start();
    const std::string host = "127.0.0.1:" + std::to_string(lab_->port());
    auto upgrade = [&](const std::string& origin) {
        HttpConnection c("127.0.0.1", lab_->port());
        return c.raw("GET /api/v1/stream HTTP/1.1\r\nHost: " + host +
                     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "Origin: " + origin + "\r\n\r\n");
    };
    auto foreign = upgrade("http://evil.example.com");
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->status, 403);
    auto own = upgrade("http://" + host);
    ASSERT_TRUE(own);
    EXPECT_EQ(own->status, 101);
}

TEST_F(WebLabTest, OffLoopbackEveryCallNeedsTheToken) {
    start("0.0.0.0");
    const std::string url = lab_->url();
    const auto at = url.find("?token=");
    ASSERT_NE(at, std::string::npos);
    const std::string token = url.substr(at + 7);
    EXPECT_EQ(token.size(), 32u);
    auto none = call("GET", "/api/v1/lab");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401);
    auto wrong = call("GET", "/api/v1/lab", {}, {{"Authorization", "Bearer 0123"}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    auto bearer = call("GET", "/api/v1/lab", {}, {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(bearer);
    EXPECT_EQ(bearer->status, 200);
    auto query = call("GET", "/api/v1/lab?token=" + token);
    ASSERT_TRUE(query);
    EXPECT_EQ(query->status, 200);
}

}  // namespace
}  // namespace ilab::web
