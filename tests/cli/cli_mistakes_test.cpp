// A new user's mistakes on the command line, over the real binary: each gets a message that
// says what was meant or what is wrong, never a bare "A subcommand is required".
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_files.h"
#include "tests/support/child_process.h"

namespace ilab::cli {
namespace {

using namespace std::chrono_literals;

const std::string kShop = std::string(ILAB_SOURCE_DIR) + "/scenarios/shop";

ilab::testing::ChildResult lab(std::vector<std::string> args) {
    args.insert(args.begin(), ilab::testing::labBinary());
    return ilab::testing::runChild(args, {}, 30s);
}

TEST(CliMistakesTest, AMistypedSubcommandSuggestsTheCommand) {
    const auto r = lab({"chek", "-f", kShop});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("hint: did you mean \"check\"? (\"chek\" is not a command)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(lab({"explian", "http://x/"}).err.find("did you mean \"explain\"?"),
              std::string::npos);
    // Nothing close: no guess.
    EXPECT_EQ(lab({"frobnicate"}).err.find("did you mean"), std::string::npos);
}

TEST(CliMistakesTest, AMistypedOptionSuggestsTheOption) {
    const auto r = lab({"check", "--filname", kShop});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("hint: did you mean \"--filename\"? (check has no option \"--filname\")"),
              std::string::npos)
        << r.err;
    const auto quiet = lab({"run", kShop, "--quite"});
    EXPECT_EQ(quiet.exit_code, 2);
    EXPECT_NE(quiet.err.find("did you mean \"--quiet\"?"), std::string::npos) << quiet.err;
}

TEST(CliMistakesTest, ExplainAssumesHttpForAUrlWithoutSchemeAndSaysSo) {
    const auto r = lab({"explain", "-f", kShop, "shop.local/catalog"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("no scheme given; assuming http://shop.local/catalog"), std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("GET http://shop.local/catalog\n"), std::string::npos) << r.out;
    // With a scheme, nothing is said.
    EXPECT_EQ(lab({"explain", "-f", kShop, "https://shop.local/catalog"}).err, "");
}

TEST(CliMistakesTest, AMisspelledScenarioFieldGetsADidYouMean) {
    TempFolder dir;
    dir.write("manifests.yaml", kTinyManifests);
    const auto scenario = dir.write("scenario.yaml",
                                    "apiVersion: ingress-lab.dev/v1alpha1\n"
                                    "kind: Scenario\n"
                                    "metadata: {name: tiny}\n"
                                    "spec:\n"
                                    "  manifests: [manifests.yaml]\n"
                                    "  durration: 1s\n");
    const auto r = lab({"run", scenario.string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(":6:3: error ILAB-SCENARIO-004: unknown field \"spec.durration\"\n"
                         "    hint: did you mean \"duration\"?\n"),
              std::string::npos)
        << r.err;
}

TEST(CliMistakesTest, RunSaysWhyItCannotReadTheScenario) {
    TempFolder dir;
    const auto missing = lab({"run", (dir / "nosuch").string()});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("error ILAB-SCENARIO-001: cannot read the scenario: \"" +
                               (dir / "nosuch").string() + "\" does not exist\n    hint: "),
              std::string::npos)
        << missing.err;
    std::filesystem::create_directories(dir / "empty");
    const auto folder = lab({"run", (dir / "empty").string()});
    EXPECT_EQ(folder.exit_code, 2);
    EXPECT_NE(folder.err.find("cannot read the scenario: \"" + (dir / "empty").string() +
                              "\" is a folder with no scenario.yaml in it"),
              std::string::npos)
        << folder.err;
    std::filesystem::create_directories(dir / "odd/scenario.yaml");
    const auto odd = lab({"run", (dir / "odd").string()});
    EXPECT_NE(odd.err.find("scenario.yaml\" is a directory, not a regular file"), std::string::npos)
        << odd.err;
}

TEST(CliMistakesTest, CheckRefusesServicePortsTheApiServerWouldRefuse) {
    TempFolder dir;
    const auto file = dir.write("service.yaml",
                                "apiVersion: v1\n"
                                "kind: Service\n"
                                "metadata: {name: web}\n"
                                "spec:\n"
                                "  type: NodePort\n"
                                "  ports:\n"
                                "  - port: 99999\n"
                                "    nodePort: 99999\n");
    const auto r = lab({"check", "-f", file.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(":7:11: error ILAB-API-002: spec.ports[0].port: Invalid value: 99999: "
                         "must be between 1 and 65535, inclusive [Service default/web]"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(":8:15: error ILAB-API-002: spec.ports[0].nodePort: Invalid value: "
                         "99999: provided port is not in the valid range. The range of valid "
                         "ports is 30000-32767 [Service default/web]"),
              std::string::npos)
        << r.out;
}

}  // namespace
}  // namespace ilab::cli
