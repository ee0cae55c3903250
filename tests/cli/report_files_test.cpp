// Where `run --json/--junit/--html` write, over the real binary: through a symlink to its
// target (the link stays a link), never over a FIFO, a socket or a folder (exit 3 and a clear
// error, the thing left as it was), and a regular file replaced whole.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/cli/cli_files.h"
#include "tests/support/child_process.h"

namespace ilab::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

ilab::testing::ChildResult runTiny(const TempFolder& dir, std::vector<std::string> report_flags) {
    dir.write("lab/manifests.yaml", kTinyManifests);
    const auto scenario =
        dir.write("lab/scenario.yaml", tinyScenario("manifests: [manifests.yaml]"));
    std::vector<std::string> args = {ilab::testing::labBinary(), "run", scenario.string(),
                                     "--quiet"};
    args.insert(args.end(), report_flags.begin(), report_flags.end());
    ilab::testing::ChildOptions options;
    options.environment.push_back("HOME=" + dir.path().string());
    return ilab::testing::runChild(args, options, 30s);
}

std::string contents(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(ReportFilesTest, AReportIsWrittenThroughASymlinkToItsTarget) {
    TempFolder dir;
    fs::create_directories(dir / "reports");
    dir.write("reports/run.json", "old\n");
    fs::create_symlink("reports/run.json", dir / "latest.json");
    const auto r = runTiny(dir, {"--json", (dir / "latest.json").string()});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(fs::is_symlink(dir / "latest.json")) << "the link was replaced by a file";
    EXPECT_EQ(fs::read_symlink(dir / "latest.json"), "reports/run.json");
    EXPECT_NE(contents(dir / "reports/run.json").find("\"scenario\""), std::string::npos);
    // Nothing left beside the target or the link (temporary files are renamed or removed).
    EXPECT_EQ(std::distance(fs::directory_iterator(dir / "reports"), fs::directory_iterator()), 1);
}

TEST(ReportFilesTest, AFifoOrAFolderIsNeverReplacedByAReport) {
    TempFolder dir;
    const auto fifo = dir.fifo("pipe.json");
    fs::create_directories(dir / "folder.xml");
    const auto r =
        runTiny(dir, {"--json", fifo.string(), "--junit", (dir / "folder.xml").string()});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find(fifo.string() + "\" is a FIFO (named pipe), not a regular file"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("folder.xml\" is a directory"), std::string::npos) << r.err;
    struct stat st {};
    ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced";
    EXPECT_TRUE(fs::is_directory(dir / "folder.xml"));
    EXPECT_TRUE(fs::is_empty(dir / "folder.xml"));
}

TEST(ReportFilesTest, ARegularFileIsReplacedWholeAndKeepsItsMode) {
    TempFolder dir;
    const auto report = dir.write("run.html", "old\n");
    fs::permissions(report, fs::perms::owner_read | fs::perms::owner_write);
    const auto r = runTiny(dir, {"--html", report.string()});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(contents(report).find("<html"), std::string::npos);
    EXPECT_EQ(fs::status(report).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace
}  // namespace ilab::cli
