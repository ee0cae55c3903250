// The web lab's server over real loopback sockets: the page and the API answer, files outside
// the lab are refused, validation finds a typo at its line, and the limits and the token hold.
#include "app/web/server/web_lab.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "tests/support/http_client.h"

namespace ilab::web {
namespace {

using ilab::testing::HttpConnection;
using Json = nlohmann::json;

const std::string kShop = ILAB_SOURCE_DIR "/scenarios/shop";

// [[name, value], ...] as the composer sends headers and cookies.
Json pairs(const std::vector<std::pair<std::string, std::string>>& list) {
    Json out = Json::array();
    for (const auto& [name, value] : list)
        out.push_back(Json::array({name, value}));
    return out;
}

class WebLabTest : public ::testing::Test {
  protected:
    void TearDown() override {
        if (lab_) lab_->stop();
        std::filesystem::remove_all(ca_);
    }
    void start(const std::string& address = "127.0.0.1", const std::string& scenario = kShop,
               std::function<std::chrono::steady_clock::time_point()> clock = {}) {
        WebLabOptions o;
        o.address = address;
        o.clock = std::move(clock);
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
    // A manual clock for the rate limit: far from steady_clock's epoch, moved by the test.
    const std::chrono::steady_clock::time_point clock_start_ = std::chrono::steady_clock::now();
    std::atomic<std::int64_t> clock_offset_ns_{0};
    void advance(std::chrono::nanoseconds by) { clock_offset_ns_ += by.count(); }
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
    auto probe = rebound.request("GET", "/healthz", {{"Host", "evil.example"}});
    ASSERT_TRUE(probe);
    EXPECT_EQ(probe->status, 200);  // as on the lab's own admin listener
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

// Issue 14, item 6: "Not applied: 1 error" beside "Problems — 2 errors". A refused apply
// answers the validation's findings for the same files (the API server's error and the lint's),
// so the page's two counts are one.
TEST_F(WebLabTest, ARefusedApplyAnswersWhatValidationFinds) {
    start();
    Json files = Json::array();
    for (const std::string name : {"scenario.yaml", "manifests.yaml", "workloads.yaml"}) {
        auto own = call("GET", "/api/v1/files/" + name);
        ASSERT_TRUE(own);
        std::string text = Json::parse(own->body)["text"];
        if (name == "manifests.yaml") text.replace(text.find("pathType: Prefix"), 16, "pathType: Prefx");
        files.push_back({{"path", name}, {"text", text}});
    }
    const Json body = {{"files", files}};
    auto v = call("POST", "/api/v1/validate", body.dump());
    auto a = call("POST", "/api/v1/apply", body.dump());
    ASSERT_TRUE(v && a);
    const Json validated = Json::parse(v->body)["diagnostics"];
    const Json applied = Json::parse(a->body);
    EXPECT_FALSE(applied["applied"].get<bool>());
    ASSERT_GE(validated.size(), 2u);  // the pathType, and the canary left without a main rule
    EXPECT_EQ(applied["diagnostics"], validated);
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
}

TEST_F(WebLabTest, ApiCallsGetTheDocumentedBurstThenTheDocumentedRate) {
    // docs/web-api.md: 20 calls a second per client address beyond a burst of 40. On a manual
    // clock: exactly 40 at once, then exactly 20 for each second that passes, never more than
    // the burst however long the client waited.
    start("127.0.0.1", kShop,
          [this] { return clock_start_ + std::chrono::nanoseconds(clock_offset_ns_.load()); });
    auto statuses = [&](int calls) {
        std::vector<int> out;
        for (int i = 0; i < calls; ++i) {
            auto r = call("GET", "/api/v1/faults");
            out.push_back(r ? r->status : 0);
            if (r && r->status == 429) {
                EXPECT_EQ(Json::parse(r->body)["code"], "rate");
            }
        }
        return out;
    };
    auto expected = [](int ok, int limited) {
        std::vector<int> out(static_cast<std::size_t>(ok), 200);
        out.insert(out.end(), static_cast<std::size_t>(limited), 429);
        return out;
    };
    EXPECT_EQ(statuses(45), expected(40, 5));
    advance(std::chrono::milliseconds(500));
    EXPECT_EQ(statuses(12), expected(10, 2));
    advance(std::chrono::seconds(1));
    EXPECT_EQ(statuses(22), expected(20, 2));
    advance(std::chrono::seconds(60));  // refilled to the burst, not to 1,200
    EXPECT_EQ(statuses(42), expected(40, 2));
    // The page and /healthz are not API calls: never limited.
    auto health = call("GET", "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
}

TEST_F(WebLabTest, ComposerRefusesControlCharactersInMethodHeadersCookiesAndUrl) {
    // A CR or LF would let a composed request write its own header lines (or a second request)
    // onto the lab's connection: each is refused with 400, naming the field, before anything
    // is sent.
    start();
    const Json url = "http://shop.local/";
    const std::vector<std::pair<Json, std::string>> refused = {
        {{{"url", url}, {"method", "GET /x HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET"}}, "method"},
        {{{"url", url}, {"method", "GE T"}}, "method"},
        {{{"url", url}, {"method", ""}}, "method"},
        {{{"url", url}, {"headers", pairs({{"X-Note", "a\r\nX-Injected: 1"}})}}, "headers[0][1]"},
        {{{"url", url}, {"headers", pairs({{"X-Ok", "fine"}, {"X-Note", "a\nb"}})}},
         "headers[1][1]"},
        {{{"url", url}, {"headers", pairs({{"X-Note", std::string("a\0b", 3)}})}}, "headers[0][1]"},
        {{{"url", url}, {"headers", pairs({{"X-Note\r\nX-Injected", "1"}})}}, "headers[0][0]"},
        {{{"url", url}, {"headers", pairs({{"X Note", "1"}})}}, "headers[0][0]"},
        {{{"url", url}, {"headers", pairs({{"", "1"}})}}, "headers[0][0]"},
        {{{"url", url}, {"cookies", pairs({{"session", "a\r\nX-Injected: 1"}})}}, "cookies[0][1]"},
        {{{"url", url}, {"cookies", pairs({{"session", "a; admin=1"}})}}, "cookies[0][1]"},
        {{{"url", url}, {"cookies", pairs({{"se ssion", "a"}})}}, "cookies[0][0]"},
        {{{"url", "http://shop.local/a\r\nX-Injected: 1"}}, "url"},
        {{{"url", "http://shop.local/a b"}}, "url"},
    };
    for (const auto& [body, field] : refused) {
        auto r = call("POST", "/api/v1/requests", body.dump());
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << body.dump();
        const Json answer = Json::parse(r->body, nullptr, false);
        EXPECT_EQ(answer.value("code", ""), "characters") << body.dump() << " -> " << r->body;
        EXPECT_EQ(answer.value("field", ""), field) << body.dump() << " -> " << r->body;
    }
    // A tab is fine in a header value, and a header value may hold any printable text.
    Json fine = {{"url", "http://shop.local/"},
                 {"method", "GET"},
                 {"headers", pairs({{"X-Note", "a\tb: c; d=e"}})},
                 {"cookies", pairs({{"session", "abc"}})}};
    auto ok = call("POST", "/api/v1/requests", fine.dump());
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST_F(WebLabTest, WrongJsonTypesAreRefusedNamingTheFieldAndTheType) {
    start();
    const Json target = {{"kind", "pod"}, {"name", "x"}};
    struct Case {
        std::string path;
        Json body;
        std::string field, expected;
    };
    const std::vector<Case> cases = {
        {"/api/v1/traffic", {{"rate", "fast"}}, "rate", "rate must be a number, not a string"},
        {"/api/v1/traffic", {{"rate", true}}, "rate", "rate must be a number, not a boolean"},
        {"/api/v1/traffic", {{"action", 5}}, "action", "action must be a string, not a number"},
        {"/api/v1/traffic",
         {{"weights", "1,2"}},
         "weights",
         "weights must be an array, not a string"},
        {"/api/v1/traffic",
         {{"weights", {1, "2"}}},
         "weights[1]",
         "weights[1] must be a number, not a string"},
        {"/api/v1/traffic", Json::array({1, 2}), "",
         "the body must be a JSON object, not an array"},
        {"/api/v1/faults",
         {{"kind", 3}, {"target", target}},
         "kind",
         "kind must be a string, not a number"},
        {"/api/v1/faults",
         {{"kind", "latency"}, {"target", "pod/x"}},
         "target",
         "target must be a JSON object, not a string"},
        {"/api/v1/faults",
         {{"kind", "latency"}, {"target", {{"kind", "pod"}, {"name", 5}}}},
         "target.name",
         "target.name must be a string, not a number"},
        {"/api/v1/faults",
         {{"kind", "latency"}, {"target", target}, {"latencyMs", "500"}},
         "latencyMs",
         "latencyMs must be a number, not a string"},
        {"/api/v1/faults",
         {{"kind", "status"}, {"target", target}, {"probability", {0.5}}},
         "probability",
         "probability must be a number, not an array"},
        {"/api/v1/faults",
         {{"kind", "kill"}, {"target", target}, {"durationMs", {{"s", 1}}}},
         "durationMs",
         "durationMs must be a number, not an object"},
        {"/api/v1/requests",
         {{"url", "http://shop.local/"}, {"method", 7}},
         "method",
         "method must be a string, not a number"},
        {"/api/v1/requests", {{"url", 7}}, "url", "url must be a string, not a number"},
        {"/api/v1/requests",
         {{"url", "http://shop.local/"}, {"headers", Json::array({"a: b"})}},
         "headers[0]",
         "headers[0] must be a [name, value] pair of two strings"},
        {"/api/v1/requests",
         {{"url", "http://shop.local/"}, {"headers", Json::object({{"a", "b"}})}},
         "headers",
         "headers must be an array, not an object"},
        {"/api/v1/requests",
         {{"url", "http://shop.local/"}, {"headers", Json::array({Json::array({"a", 1})})}},
         "headers[0][1]",
         "headers[0][1] must be a string, not a number"},
        {"/api/v1/requests",
         {{"url", "http://shop.local/"}, {"cookies", "a=b"}},
         "cookies",
         "cookies must be an array, not a string"},
    };
    auto lab = call("GET", "/api/v1/lab");
    ASSERT_TRUE(lab);
    const Json traffic_before = Json::parse(lab->body)["traffic"];
    for (const auto& c : cases) {
        auto r = call("POST", c.path, c.body.dump());
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << c.path << " " << c.body.dump();
        const Json answer = Json::parse(r->body, nullptr, false);
        EXPECT_EQ(answer.value("field", "(none)"), c.field) << c.body.dump() << " -> " << r->body;
        if (!c.expected.empty()) {
            EXPECT_EQ(answer.value("error", ""), c.expected) << c.body.dump();
        }
    }
    // Nothing changed on the way: no fault injected, the traffic as it was.
    auto faults = call("GET", "/api/v1/faults");
    ASSERT_TRUE(faults);
    EXPECT_TRUE(Json::parse(faults->body)["faults"].empty());
    auto after = call("GET", "/api/v1/lab");
    ASSERT_TRUE(after);
    EXPECT_EQ(Json::parse(after->body)["traffic"], traffic_before);
}

TEST_F(WebLabTest, NumbersOutsideTheirRangeAreRefusedNotClamped) {
    start();
    const Json target = {{"kind", "pod"}, {"name", "x"}};
    struct Case {
        std::string path;
        Json body;
        std::string field;
    };
    const std::vector<Case> cases = {
        // Two weights of 1e308 sum to infinity: every draw went to the last entry.
        {"/api/v1/traffic", {{"weights", {1e308, 1e308, 1, 1}}}, "weights[0]"},
        {"/api/v1/traffic", {{"weights", {1, -1}}}, "weights[1]"},
        {"/api/v1/traffic", {{"weights", {1, 1, 1, 1, 1}}}, "weights"},  // the mix has 4
        {"/api/v1/traffic", {{"rate", 1e9}}, "rate"},
        {"/api/v1/traffic", {{"rate", -5}}, "rate"},
        {"/api/v1/faults",
         {{"kind", "status"}, {"target", target}, {"probability", 2}},
         "probability"},
        {"/api/v1/faults", {{"kind", "status"}, {"target", target}, {"status", 503.5}}, "status"},
        {"/api/v1/faults", {{"kind", "status"}, {"target", target}, {"status", 700}}, "status"},
        {"/api/v1/faults",
         {{"kind", "latency"}, {"target", target}, {"latencyMs", -1}},
         "latencyMs"},
        {"/api/v1/faults",
         {{"kind", "kill"}, {"target", target}, {"durationMs", 1e300}},
         "durationMs"},
    };
    for (const auto& c : cases) {
        auto r = call("POST", c.path, c.body.dump());
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << c.body.dump() << " -> " << r->body;
        const Json answer = Json::parse(r->body, nullptr, false);
        EXPECT_EQ(answer.value("code", ""), "range") << c.body.dump() << " -> " << r->body;
        EXPECT_EQ(answer.value("field", ""), c.field) << c.body.dump() << " -> " << r->body;
    }
    // Within range: taken as given.
    auto set =
        call("POST", "/api/v1/traffic", R"({"rate": 20000, "weights": [1000000, 0, 0.5, 1]})");
    ASSERT_TRUE(set);
    ASSERT_EQ(set->status, 200) << set->body;
    const Json traffic = Json::parse(set->body);
    EXPECT_EQ(traffic["rate"], 20000);
    EXPECT_EQ(traffic["mix"][0]["weight"], 1e6);
    EXPECT_EQ(traffic["mix"][2]["weight"], 0.5);
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
