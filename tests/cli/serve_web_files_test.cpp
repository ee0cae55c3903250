// The web lab's API over the real `serve` binary: one saved scenario naming /dev/zero, a FIFO in
// the lab's folder or a file outside it must be refused with a located diagnostic, and serve
// must keep answering. The binary runs as a child with a deadline on every call, so a
// regression (serve reading /dev/zero into gigabytes, or blocked on the FIFO) fails the test.
#include <csignal>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_files.h"
#include "tests/support/child_process.h"
#include "tests/support/http_client.h"

namespace ilab::cli {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

class ServeWebFilesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_.write("lab/manifests.yaml", kTinyManifests);
        dir_.write("lab/scenario.yaml", tinyScenario("manifests: [manifests.yaml]"));
        dir_.write("outside.yaml", kTinyManifests);
        dir_.fifo("lab/pipe.yaml");
        ilab::testing::ChildOptions options;
        options.environment.push_back("HOME=" + dir_.path().string());  // the lab CA's home
        serve_ = std::make_unique<ilab::testing::ChildProcess>(
            std::vector<std::string>{ilab::testing::labBinary(), "serve", (dir_ / "lab").string(),
                                     "--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--admin",
                                     "127.0.0.1:0"},
            options);
        ASSERT_TRUE(serve_->waitForOutput("Stop with Ctrl-C.", 20s))
            << serve_->out() << serve_->err();
        std::smatch port;
        const std::string out = serve_->out();
        ASSERT_TRUE(
            std::regex_search(out, port, std::regex("web lab on http://127\\.0\\.0\\.1:(\\d+)/")))
            << out;
        port_ = static_cast<std::uint16_t>(std::stoi(port[1]));
    }
    void TearDown() override {
        if (!serve_) return;
        serve_->signal(SIGTERM);
        const auto result = serve_->wait(10s);
        EXPECT_FALSE(result.timed_out) << "serve did not stop on SIGTERM";
    }

    // Saves scenario.yaml through the API, as the web lab's editor does.
    std::optional<Json> saveScenario(const std::string& manifests_line) {
        ilab::testing::HttpConnection c("127.0.0.1", port_);
        const Json body = {{"text", tinyScenario(manifests_line)}};
        auto r = c.request(
            "PUT", "/api/v1/files/scenario.yaml",
            {{"Host", "127.0.0.1:" + std::to_string(port_)}, {"Content-Type", "application/json"}},
            body.dump(), 5s);
        if (!r || r->status != 200) return std::nullopt;
        return Json::parse(r->body);
    }
    bool healthy() {
        ilab::testing::HttpConnection c("127.0.0.1", port_);
        auto r =
            c.request("GET", "/healthz", {{"Host", "127.0.0.1:" + std::to_string(port_)}}, {}, 2s);
        return r && r->status == 200;
    }
    static const Json* diagnostic(const Json& reply, const std::string& code) {
        for (const auto& d : reply["diagnostics"])
            if (d["code"] == code) return &d;
        return nullptr;
    }

    TempFolder dir_;
    std::unique_ptr<ilab::testing::ChildProcess> serve_;
    std::uint16_t port_ = 0;
};

TEST_F(ServeWebFilesTest, ASavedScenarioNamingDevZeroIsRefusedAndServeKeepsAnswering) {
    const auto reply = saveScenario("manifests: [/dev/zero]");
    ASSERT_TRUE(reply) << "no answer within 5 s";
    EXPECT_TRUE((*reply)["saved"].get<bool>());
    EXPECT_FALSE((*reply)["reopened"].get<bool>());
    const Json* refused = diagnostic(*reply, "ILAB-SCENARIO-007");
    ASSERT_NE(refused, nullptr) << reply->dump();
    EXPECT_EQ((*refused)["file"], "scenario.yaml");
    EXPECT_EQ((*refused)["line"], 5);
    EXPECT_EQ((*refused)["column"], 15);
    EXPECT_TRUE(healthy());
}

TEST_F(ServeWebFilesTest, ASavedScenarioNamingAFifoInTheLabIsRefusedAtOnce) {
    const auto reply = saveScenario("manifests: [pipe.yaml]");
    ASSERT_TRUE(reply) << "no answer within 5 s: blocked on the FIFO?";
    EXPECT_FALSE((*reply)["reopened"].get<bool>());
    const Json* refused = diagnostic(*reply, "ILAB-INPUT-002");
    ASSERT_NE(refused, nullptr) << reply->dump();
    // Named relative to the lab's folder, as `file` is: the API shows no server paths.
    EXPECT_EQ((*refused)["message"], "\"pipe.yaml\" is a FIFO (named pipe), not a regular file");
    EXPECT_EQ((*refused)["file"], "pipe.yaml");
    EXPECT_TRUE(healthy());
}

TEST_F(ServeWebFilesTest, ASavedScenarioCannotReachAFileOutsideTheLab) {
    // A valid manifest: only where it is makes it wrong.
    const auto reply = saveScenario("manifests: [../outside.yaml]");
    ASSERT_TRUE(reply);
    EXPECT_FALSE((*reply)["reopened"].get<bool>()) << reply->dump();
    EXPECT_NE(diagnostic(*reply, "ILAB-SCENARIO-007"), nullptr) << reply->dump();
    // The lab it was serving still serves: the refused scenario changed nothing.
    const auto good = saveScenario("manifests: [manifests.yaml]");
    ASSERT_TRUE(good);
    EXPECT_TRUE((*good)["reopened"].get<bool>()) << good->dump();
}

}  // namespace
}  // namespace ilab::cli
