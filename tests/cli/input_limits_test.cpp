// What the real binary does with inputs that are not small regular files: a device, a FIFO,
// an endless standard input, /proc/self/mem, a scenario naming files outside its folder. Each
// must end at once with exit 2 and a diagnostic naming the file; none may hang. The binary runs
// as a child with a deadline, so a regression fails the test instead of hanging it.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/cli/cli_files.h"
#include "tests/support/child_process.h"

namespace ilab::cli {
namespace {

using ilab::testing::ChildOptions;
using ilab::testing::ChildResult;
using namespace std::chrono_literals;

// Well above what a refusal takes (milliseconds) and well below the ctest timeout.
constexpr auto kDeadline = 10s;
constexpr double kPromptly = 5.0;  // seconds

ChildResult lab(std::vector<std::string> args, const TempFolder& home, ChildOptions options = {}) {
    args.insert(args.begin(), ilab::testing::labBinary());
    // The lab CA `run` makes lives under $HOME: keep it in the test's folder.
    options.environment.push_back("HOME=" + home.path().string());
    return ilab::testing::runChild(args, options, kDeadline);
}

void expectRefused(const ChildResult& r, std::string_view code, std::string_view words) {
    EXPECT_FALSE(r.timed_out) << "still running after " << kDeadline.count() << " s";
    EXPECT_EQ(r.signal, 0) << "ended by a signal";
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_LT(r.seconds, kPromptly);
    const std::string all = r.out + r.err;
    EXPECT_NE(all.find(code), std::string::npos) << all;
    EXPECT_NE(all.find(words), std::string::npos) << all;
}

TEST(InputLimitsTest, CheckRefusesACharacterDeviceAtOnce) {
    TempFolder dir;
    expectRefused(lab({"check", "-f", "/dev/zero"}, dir), "ILAB-INPUT-002",
                  "\"/dev/zero\" is a character device, not a regular file");
}

TEST(InputLimitsTest, CheckExplainAndRunRefuseAFifoWithoutWaitingForAWriter) {
    TempFolder dir;
    const std::string fifo = dir.fifo("pipe.yaml").string();
    expectRefused(lab({"check", "-f", fifo}, dir), "ILAB-INPUT-002", "is a FIFO");
    expectRefused(lab({"explain", "-f", fifo, "http://web.local/"}, dir), "ILAB-INPUT-002",
                  "is a FIFO");
    expectRefused(lab({"run", fifo, "--quiet"}, dir), "ILAB-INPUT-002", "is a FIFO");
}

TEST(InputLimitsTest, RunRefusesAScenarioWhoseManifestIsAFifo) {
    TempFolder dir;
    dir.fifo("pipe.yaml");
    const auto scenario = dir.write("scenario.yaml", tinyScenario("manifests: [pipe.yaml]"));
    expectRefused(lab({"run", scenario.string(), "--quiet"}, dir), "ILAB-INPUT-002", "is a FIFO");
}

TEST(InputLimitsTest, AnEndlessStandardInputStopsAtTheCap) {
    TempFolder dir;
    ChildOptions endless;
    endless.stdin_path = "/dev/zero";  // `check -f - < /dev/zero`: stdin is a stream, not refused
    expectRefused(lab({"check", "-f", "-"}, dir, endless), "ILAB-INPUT-003",
                  "standard input is over the 16 MiB limit");
    expectRefused(lab({"explain", "-f", "-", "http://web.local/"}, dir, endless), "ILAB-INPUT-003",
                  "16 MiB");
}

TEST(InputLimitsTest, AFileThatFailsToReadIsADiagnosticNotACrash) {
    TempFolder dir;
    // A regular file by stat() whose read() fails with EIO at offset 0.
    expectRefused(lab({"check", "-f", "/proc/self/mem"}, dir), "ILAB-INPUT-001",
                  "cannot read \"/proc/self/mem\"");
}

TEST(InputLimitsTest, AScenarioCannotNameAFileOutsideItsFolder) {
    TempFolder dir;
    dir.write("outside.yaml", kTinyManifests);  // valid: only where it is matters
    const std::string outside = (dir / "outside.yaml").string();
    std::filesystem::create_directories(dir / "lab");
    std::filesystem::create_symlink("../outside.yaml", dir / "lab" / "link.yaml");
    for (const std::string& named :
         {std::string("../outside.yaml"), outside, std::string("link.yaml")}) {
        const auto scenario =
            dir.write("lab/scenario.yaml", tinyScenario("manifests: [" + named + "]"));
        // Line 5 is "  manifests: [...]"; the entry starts in column 15.
        expectRefused(lab({"run", scenario.string(), "--quiet"}, dir),
                      scenario.string() + ":5:15: error ILAB-SCENARIO-007",
                      "outside the scenario's folder");
    }
    // A timeline apply is a file reference too.
    dir.write("lab/manifests.yaml", kTinyManifests);
    const auto scenario =
        dir.write("lab/scenario.yaml", tinyScenario("manifests: [manifests.yaml]") +
                                           "  timeline:\n  - {at: 50ms, apply: ../outside.yaml}\n");
    expectRefused(lab({"run", scenario.string(), "--quiet"}, dir),
                  scenario.string() + ":8:23: error ILAB-SCENARIO-007", "apply");
}

}  // namespace
}  // namespace ilab::cli
