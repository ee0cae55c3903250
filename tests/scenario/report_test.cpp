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

// Issue 14, item 7: a rule every request of which failed was counted in green, as covered.
// It is reached, not working: red, with the failures said, in every form of the report.
TEST(ReportTest, ARuleWhoseEveryRequestFailedIsNotShownAsCovered) {
    RunResult r = runWithStatuses();
    r.coverage = {{"shop/web", "shop.local", "/", "web", 40, 0},
                  {"shop/web", "shop.local", "/pay", "payments", 12, 12},
                  {"shop/web", "shop.local", "/cart", "cart", 10, 3},
                  {"shop/web", "shop.local", "/admin", "admin", 0, 0}};
    const std::string html = renderHtml(r);
    EXPECT_NE(html.find("<td class='ok'>40</td>"), std::string::npos);
    EXPECT_NE(html.find("<td class='bad'>12, all failed</td>"), std::string::npos) << html;
    EXPECT_NE(html.find("<td class='ok'>10 (3 failed)</td>"), std::string::npos);
    EXPECT_NE(html.find("<td class='bad'>0</td>"), std::string::npos);
    const std::string summary = renderSummary(r);
    EXPECT_NE(summary.find("    every request to shop.local/pay failed (shop/web)\n"),
              std::string::npos)
        << summary;
    EXPECT_EQ(summary.find("every request to shop.local/cart"), std::string::npos);
    const auto json = nlohmann::json::parse(renderJson(r));
    EXPECT_EQ(json["coverage"]["rules"][1]["failed"], 12);
}

}  // namespace
}  // namespace ilab::scenario
