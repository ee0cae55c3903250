// `serve --watch` over the real binary: a real edit of a manifest file is seen and reloaded.
// The test waits for the "reloaded" line with a deadline (never a fixed sleep), then stops the
// server with SIGTERM as a user would.
#include <csignal>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/cli/cli_files.h"
#include "tests/support/child_process.h"

namespace ilab::cli {
namespace {

using namespace std::chrono_literals;

TEST(ServeWatchTest, AnEditedManifestIsReloaded) {
    TempFolder dir;
    const auto manifests = dir.write("manifests.yaml", kTinyManifests);
    ilab::testing::ChildOptions options;
    options.environment.push_back("HOME=" + dir.path().string());
    // Port 0 everywhere; no pods (nothing else to bind), no HTTPS (no CA), no admin listener.
    ilab::testing::ChildProcess serve(
        {ilab::testing::labBinary(), "serve", "-f", manifests.string(), "--watch", "--http",
         "127.0.0.1:0", "--no-https", "--no-admin"},
        options);
    ASSERT_TRUE(serve.started());
    ASSERT_TRUE(serve.waitForOutput("Stop with Ctrl-C.", 10s)) << serve.out() << serve.err();
    const std::size_t before_edit = serve.out().size();

    std::string edited(kTinyManifests);
    edited.replace(edited.find("web.local"), 9, "www.web.local");
    std::ofstream(manifests, std::ios::binary | std::ios::trunc) << edited;

    // --watch looks once a second: the reload comes within about a second of the edit.
    EXPECT_TRUE(serve.waitForOutputAfter(before_edit, "ingress-lab: reloaded in", 10s))
        << serve.out() << serve.err();
    serve.signal(SIGTERM);
    const auto result = serve.wait(10s);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

}  // namespace
}  // namespace ilab::cli
