// docs/first-hour.md promises its commands work exactly as written: every `check` and
// `explain` it shows in a console block runs here, from the repository's root, and every line
// of output it shows (all but "...") appears in what the binary prints. `run` and `serve`
// print timings and pod names that differ between runs; the scenario tests cover them.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/child_process.h"

namespace ilab::cli {
namespace {

struct ShownCommand {
    int line = 0;                    // in the doc
    std::vector<std::string> argv;   // after "$ ingress-lab"
    std::vector<std::string> shown;  // the output lines the doc shows
};

// Splits a command line as the shell would for the doc's simple quoting ('...' only).
std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::string word;
    bool quoted = false, any = false;
    for (char c : line) {
        if (c == '\'') {
            quoted = !quoted;
            any = true;
        } else if (c == ' ' && !quoted) {
            if (any) out.push_back(word);
            word.clear();
            any = false;
        } else {
            word += c;
            any = true;
        }
    }
    if (any) out.push_back(word);
    return out;
}

std::vector<ShownCommand> shownCommands(const std::string& path) {
    std::ifstream in(path);
    std::vector<ShownCommand> out;
    std::string line;
    bool console = false, taking = false;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.starts_with("```")) {
            console = line == "```console";
            taking = false;
            continue;
        }
        if (!console) continue;
        if (line.starts_with("$ ")) {
            const auto argv = words(line.substr(2));
            taking = argv.size() > 1 && argv[0] == "ingress-lab" &&
                     (argv[1] == "check" || argv[1] == "explain");
            if (taking) out.push_back({n, {argv.begin() + 1, argv.end()}, {}});
        } else if (taking && line != "..." && line.find_first_not_of(' ') != std::string::npos &&
                   line.substr(line.find_first_not_of(' ')) != "...") {
            out.back().shown.push_back(line);
        }
    }
    return out;
}

TEST(FirstHourDocTest, EveryCheckAndExplainItShowsPrintsWhatItShows) {
    const std::string root = ILAB_SOURCE_DIR;
    const auto commands = shownCommands(root + "/docs/first-hour.md");
    ASSERT_GE(commands.size(), 6u);
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(root);  // the doc's paths are relative to the repository
    for (const auto& c : commands) {
        std::vector<std::string> argv{ilab::testing::labBinary()};
        argv.insert(argv.end(), c.argv.begin(), c.argv.end());
        const auto r = ilab::testing::runChild(argv);
        EXPECT_FALSE(c.shown.empty()) << "docs/first-hour.md:" << c.line;
        for (const auto& shown : c.shown)
            EXPECT_NE(r.out.find(shown + "\n"), std::string::npos)
                << "docs/first-hour.md:" << c.line << " shows\n  " << shown
                << "\nbut the command printed\n" << r.out << r.err;
    }
    std::filesystem::current_path(cwd);
}

}  // namespace
}  // namespace ilab::cli
