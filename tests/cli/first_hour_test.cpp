// A new user's first hour over the real binary (issue 14): a lab with nothing routable opens and
// says why instead of crashing when traffic starts; `check` and `explain` read a scenario's
// manifests as `run` does and warn about input with no Kubernetes objects; two `serve`s on one
// machine each get pods of their own.
#include <csignal>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_files.h"
#include "tests/support/child_process.h"
#include "tests/support/http_client.h"
#include "tests/support/one_pod_manifests.h"

namespace ilab::cli {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using ilab::testing::ChildProcess;
using ilab::testing::labBinary;
using ilab::testing::runChild;

const std::string kScenarios = ILAB_SOURCE_DIR "/scenarios";

// One pod behind an Ingress rule whose pathType is misspelled (the API server refuses the
// Ingress, so nothing is routable), and the same spelled right.
const std::string kTypoManifests = ilab::testing::onePodManifests("Prefx");
const std::string kPodManifests = ilab::testing::onePodManifests("Prefix");

// `serve` as a child on ports 0, stopped with SIGTERM at the end.
class Serve {
  public:
    Serve(const TempFolder& home, std::vector<std::string> args) {
        ilab::testing::ChildOptions options;
        options.environment.push_back("HOME=" + home.path().string());  // the lab CA's home
        std::vector<std::string> argv{labBinary(), "serve"};
        argv.insert(argv.end(), args.begin(), args.end());
        for (const char* a :
             {"--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--admin", "127.0.0.1:0"})
            argv.emplace_back(a);
        child_ = std::make_unique<ChildProcess>(argv, options);
        started_ = child_->waitForOutput("Stop with Ctrl-C.", 20s);
    }
    ~Serve() {
        child_->signal(SIGTERM);
        child_->wait(10s);
    }
    bool started() const { return started_; }
    std::string out() const { return child_->out(); }
    std::string err() const { return child_->err(); }
    std::uint16_t port(const std::string& pattern) const {
        std::smatch m;
        const std::string text = out();
        if (!std::regex_search(text, m, std::regex(pattern))) return 0;
        return static_cast<std::uint16_t>(std::stoi(m[1]));
    }
    std::uint16_t httpPort() const { return port("serving HTTP on http://127\\.0\\.0\\.1:(\\d+)"); }
    std::uint16_t adminPort() const { return port("web lab on http://127\\.0\\.0\\.1:(\\d+)/"); }
    std::optional<ilab::testing::HttpResponse> request(const std::string& method,
                                                       const std::string& target,
                                                       const std::string& body = {}) const {
        ilab::testing::HttpConnection c("127.0.0.1", adminPort());
        return c.request(method, target,
                         {{"Host", "127.0.0.1:" + std::to_string(adminPort())},
                          {"Content-Type", "application/json"}},
                         body, 5s);
    }

  private:
    std::unique_ptr<ChildProcess> child_;
    bool started_ = false;
};

// --- Item 1: nothing routable ---

TEST(FirstHourTest, ServeWithNothingRoutableSaysWhyAndStartingTrafficDoesNotKillIt) {
    TempFolder dir;
    dir.write("lab/manifests.yaml", kTypoManifests);
    Serve serve(dir, {"-f", (dir / "lab").string()});
    ASSERT_TRUE(serve.started()) << serve.out() << serve.err();
    EXPECT_NE(serve.out().find("ingress-lab: nothing to route:"), std::string::npos) << serve.out();
#if !ILAB_WITH_WEB
    GTEST_SKIP() << "built without the web lab (ILAB_BUILD_WEB=OFF): no Start to press";
#endif

    // Pressing Start in the web lab.
    const auto started = serve.request("POST", "/api/v1/traffic", R"({"action":"start"})");
    ASSERT_TRUE(started) << "no answer: " << serve.err();
    const Json traffic = Json::parse(started->body, nullptr, false);
    EXPECT_FALSE(traffic.value("running", true)) << started->body;
    EXPECT_NE(traffic.value("problem", std::string()).find("no Ingress rule"), std::string::npos)
        << started->body;
    // Still alive and still saying why.
    const auto lab = serve.request("GET", "/api/v1/lab");
    ASSERT_TRUE(lab) << "serve died: " << serve.err();
    EXPECT_EQ(lab->status, 200);
    EXPECT_NE(lab->body.find("no Ingress rule"), std::string::npos) << lab->body;
}

#if !ILAB_WITH_WEB
// The headless build (ILAB_BUILD_WEB=OFF, no Node.js): the admin listener is the lab's own,
// with /metrics and /healthz, and a scenario, which runs in the web lab, is refused with why.
TEST(FirstHourTest, WithoutTheWebLabServeHasMetricsAndSaysWhereScenariosRun) {
    TempFolder dir;
    dir.write("lab/manifests.yaml", kPodManifests);
    Serve serve(dir, {"-f", (dir / "lab").string()});
    ASSERT_TRUE(serve.started()) << serve.out() << serve.err();
    const std::uint16_t admin = serve.port("metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics");
    ASSERT_NE(admin, 0) << serve.out();
    ilab::testing::HttpConnection c("127.0.0.1", admin);
    const auto health = c.request("GET", "/healthz", {{"Host", "127.0.0.1"}}, {}, 5s);
    ASSERT_TRUE(health);
    EXPECT_EQ(health->body, "ok\n");
    const auto r = runChild({labBinary(), "serve", kScenarios + "/shop"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("built without the web lab"), std::string::npos) << r.err;
}
#endif

// --- Item 2: check and explain read scenarios as run does ---

TEST(FirstHourTest, CheckReadsAScenariosInlineManifests) {
    const auto r = runChild({labBinary(), "check", "-f", kScenarios + "/no-endpoints-503"});
    EXPECT_NE(r.out.find("ILAB-LINT-003"), std::string::npos) << r.out << r.err;
    // At the line and column the Ingress rule has in scenario.yaml (its backend Service on line
    // 21), not in the manifestsInline block counted from its first line ("10:71").
    EXPECT_NE(r.out.find("no-endpoints-503/scenario.yaml:21:75: warning ILAB-LINT-003"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("0 errors, 0 warnings"), std::string::npos) << r.out;
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // warnings only
}

TEST(FirstHourTest, CheckReadsTheManifestsAScenarioFileNames) {
    TempFolder dir;
    dir.write("lab/manifests.yaml", kTypoManifests);
    dir.write("lab/scenario.yaml", tinyScenario("manifests: [manifests.yaml]"));
    const auto r = runChild({labBinary(), "check", "-f", (dir / "lab/scenario.yaml").string()});
    EXPECT_NE(r.out.find("ILAB-API-003"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

TEST(FirstHourTest, ExplainReadsAScenariosInlineManifests) {
    const auto r = runChild({labBinary(), "explain", "-f", kScenarios + "/no-endpoints-503",
                             "http://shop.local/payments/1"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("action    respond 503"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("ingress   default/shop"), std::string::npos) << r.out;
}

TEST(FirstHourTest, CheckWarnsAboutAnEmptyFolderAndAFileWithNoObjects) {
    TempFolder dir;
    std::filesystem::create_directories(dir / "empty");
    dir.write("comments.yaml", "# nothing yet\n");
    for (const auto& path : {dir / "empty", dir / "comments.yaml"}) {
        const auto r = runChild({labBinary(), "check", "-f", path.string()});
        EXPECT_NE(r.out.find("warning ILAB-INPUT-005"), std::string::npos)
            << path << r.out << r.err;
        EXPECT_NE(r.out.find("0 errors, 1 warning"), std::string::npos) << path << r.out;
    }
}

// --- Item 4: two labs on one machine ---

TEST(FirstHourTest, TwoServesOnOneMachineEachRouteToTheirOwnPod) {
    TempFolder dir;
    dir.write("lab/manifests.yaml", kPodManifests);
    Serve first(dir, {"-f", (dir / "lab").string()});
    ASSERT_TRUE(first.started()) << first.out() << first.err();
    Serve second(dir, {"-f", (dir / "lab").string()});
    ASSERT_TRUE(second.started()) << second.out() << second.err();
    EXPECT_EQ(second.err().find("ILAB-CLUSTER-002"), std::string::npos) << second.err();
    const std::regex network("pods on 127\\.(\\d+)\\.0\\.0/16");
    std::smatch a, b;
    const std::string out_a = first.out(), out_b = second.out();
    ASSERT_TRUE(std::regex_search(out_a, a, network)) << out_a;
    ASSERT_TRUE(std::regex_search(out_b, b, network)) << out_b;
    EXPECT_NE(a[1], b[1]);
    for (const Serve* serve : {&first, &second}) {
        ilab::testing::HttpConnection c("127.0.0.1", serve->httpPort());
        const auto r = c.request("GET", "/hello", {{"Host", "web.local"}}, {}, 5s);
        ASSERT_TRUE(r) << serve->out();
        EXPECT_EQ(r->status, 200) << serve->out() << serve->err() << r->body;
        EXPECT_NE(r->body.find("\"pod\""), std::string::npos) << r->body;
    }
}

TEST(FirstHourTest, ServeTakesAPodNetwork) {
    TempFolder dir;
    dir.write("lab/manifests.yaml", kPodManifests);
    Serve serve(dir, {"-f", (dir / "lab").string(), "--pod-network", "127.91.0.0/16"});
    ASSERT_TRUE(serve.started()) << serve.out() << serve.err();
    EXPECT_NE(serve.out().find("pods on 127.91.0.0/16"), std::string::npos) << serve.out();
    EXPECT_NE(serve.out().find("127.91.0.1:8080"), std::string::npos) << serve.out();
}

}  // namespace
}  // namespace ilab::cli
