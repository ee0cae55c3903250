// docs/scenarios.md lists every bundled scenario in one unbroken table: a blank line inside a
// Markdown table ends it, and the rows after it render as loose text.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace ilab::scenario {
namespace {

namespace fs = std::filesystem;

TEST(BundledScenariosDocTest, OneUnbrokenTableListsEveryBundledScenario) {
    std::ifstream in(std::string(ILAB_SOURCE_DIR) + "/docs/scenarios.md");
    ASSERT_TRUE(in) << "docs/scenarios.md";
    std::string line;
    while (std::getline(in, line) && line != "## Bundled scenarios") {
    }
    while (std::getline(in, line) && !line.starts_with("| Scenario |")) {
    }
    ASSERT_TRUE(line.starts_with("| Scenario |")) << "no table under \"## Bundled scenarios\"";
    std::getline(in, line);  // |---|---|---|
    std::set<std::string> listed;
    while (std::getline(in, line) && line.starts_with("| [")) {
        const auto close = line.find(']');
        listed.insert(line.substr(3, close - 3));
    }
    // The table ends at the next blank line, and no row of it may follow.
    std::string rest;
    for (std::string more; std::getline(in, more) && !more.starts_with("## ");)
        if (more.starts_with("| [")) rest += more.substr(0, more.find(']') + 1) + " ";
    EXPECT_TRUE(rest.empty()) << "rows after a break in the table: " << rest;

    for (const auto& entry : fs::directory_iterator(std::string(ILAB_SOURCE_DIR) + "/scenarios")) {
        if (!fs::exists(entry.path() / "scenario.yaml")) continue;
        const std::string name = entry.path().filename().string();
        EXPECT_TRUE(listed.count(name)) << "scenarios/" << name << " is not in the table";
    }
}

}  // namespace
}  // namespace ilab::scenario
