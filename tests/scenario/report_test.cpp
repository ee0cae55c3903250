// The run report's figures (engine/scenario/report.cpp) from a RunResult made by hand.
#include "engine/scenario/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ilab::scenario {
namespace {

RunResult runWithStatuses() {
    RunResult r;
    r.scenario = "errors";
    r.requests = 555;
    ProfileSummary p;
    p.name = "clients";
    p.requests = 555;
    p.errors = 15;
    p.by_status = {{200, 540}, {502, 10}, {504, 3}, {0, 2}};
    r.profiles.push_back(p);
    return r;
}

// Issue 14, item 7: the report lumped 502 and 504 into "5xx"; each status that occurred is
// shown, in order, with requests that got no answer last.
TEST(ReportTest, EachStatusThatOccurredIsShownOnItsOwn) {
    const RunResult r = runWithStatuses();
    const std::string summary = renderSummary(r);
    EXPECT_NE(summary.find("    statuses 200: 540, 502: 10, 504: 3, no response: 2\n"),
              std::string::npos)
        << summary;
    const auto json = nlohmann::json::parse(renderJson(r));
    const auto& by_status = json["traffic"][0]["byStatus"];
    EXPECT_EQ(by_status["502"], 10);
    EXPECT_EQ(by_status["504"], 3);
    EXPECT_EQ(by_status["none"], 2);
    EXPECT_NE(renderHtml(r).find("<td>200: 540, 502: 10, 504: 3, no response: 2</td>"),
              std::string::npos);
}

}  // namespace
}  // namespace ilab::scenario
