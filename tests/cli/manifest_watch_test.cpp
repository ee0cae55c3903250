#include "app/cli/manifest_watch.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/cli/cli_files.h"

namespace ilab::cli {
namespace {

namespace fs = std::filesystem;

TEST(ManifestWatchTest, SeesEditsAdditionsRemovalsAndNothingElse) {
    TempFolder dir;
    const auto file = dir.write("lab/a.yaml", "kind: List\n");
    ManifestWatch watch({(dir / "lab").string(), "-"});
    EXPECT_FALSE(watch.changed());

    // An edit that keeps the size: the modification time tells (set, not waited for).
    std::ofstream(file, std::ios::trunc) << "kind: Lisp\n";
    fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(2));
    EXPECT_TRUE(watch.changed());
    EXPECT_FALSE(watch.changed());  // seen once

    // An edit that keeps the time (an editor restoring it, a coarse clock): the size tells.
    const auto time = fs::last_write_time(file);
    std::ofstream(file, std::ios::trunc) << "kind: List\nitems: []\n";
    fs::last_write_time(file, time);
    EXPECT_TRUE(watch.changed());

    dir.write("lab/nested/b.yaml", "kind: List\n");
    EXPECT_TRUE(watch.changed());
    // A file swapped for an older one: the newest time goes down, which a newest-time watch
    // never notices.
    fs::last_write_time(dir / "lab/nested/b.yaml", time - std::chrono::hours(24));
    EXPECT_TRUE(watch.changed());
    fs::remove(file);
    EXPECT_TRUE(watch.changed());
    EXPECT_FALSE(watch.changed());
}

TEST(ManifestWatchTest, AWatchedFileThatIsGoneAndBackIsTwoChanges) {
    TempFolder dir;
    const auto file = dir.write("a.yaml", "kind: List\n");
    ManifestWatch watch({file.string()});
    fs::rename(file, dir / "a.yaml.bak");
    EXPECT_TRUE(watch.changed());
    EXPECT_FALSE(watch.changed());
    fs::rename(dir / "a.yaml.bak", file);
    EXPECT_TRUE(watch.changed());
}

}  // namespace
}  // namespace ilab::cli
