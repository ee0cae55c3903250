// The metric judge (engine/scenario/expectations.cpp) on measured requests made by hand: its
// value, its verdict against the bounds, and the figure the report prints.
#include "engine/scenario/expectations.h"

#include <vector>

#include <gtest/gtest.h>

namespace ilab::scenario {
namespace {

struct Requests {
    std::vector<RequestRecord> records;
    std::vector<RoutedAs> routed;
    std::vector<Measured> measured() const {
        std::vector<Measured> out;
        for (std::size_t i = 0; i < records.size(); ++i)
            out.push_back({&records[i], &routed[i], 0.0});
        return out;
    }
};

// `n` requests, the first `canary` of them served by web-v2 and the rest by web; statuses
// from `status_of(i)`.
template <class StatusOf>
Requests served(std::size_t n, std::size_t canary, StatusOf status_of) {
    Requests run;
    run.records.resize(n);
    run.routed.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        run.records[i].status = status_of(i);
        run.records[i].done = run.records[i].intended + std::chrono::milliseconds(10 + i % 5);
        run.routed[i].service = i < canary ? "web-v2" : "web";
        run.routed[i].status = run.records[i].status;
    }
    return run;
}

MetricExpectation share(double min, double max) {
    MetricExpectation x;
    x.name = "canary share";
    x.metric = MetricExpectation::Metric::Share;
    x.share_of = "web-v2";
    x.min = min;
    x.max = max;
    return x;
}

TEST(MetricJudgeTest, AShareIsAFractionJudgedByItsBoundsAndPrintedAsAPercent) {
    const Requests run = served(592, 59, [](std::size_t) { return 200; });
    const ExpectationResult in = checkMetric(share(0.05, 0.15), run.measured(), Scenario{});
    EXPECT_TRUE(in.passed);
    EXPECT_NEAR(in.value.value_or(-1), 59.0 / 592.0, 1e-12);
    EXPECT_EQ(in.measured, "0.1 (10.0%) of 592 requests");
    EXPECT_EQ(in.expected, "share of web-v2 in [0.05, 0.15]");
    EXPECT_FALSE(checkMetric(share(0.2, 0.3), run.measured(), Scenario{}).passed);
}

TEST(MetricJudgeTest, TheErrorRateCountsServerErrorsAndNoAnswer) {
    // 502, 504 and no response are errors; a 404 is not.
    const Requests run = served(10, 0, [](std::size_t i) {
        return i == 0 ? 502 : i == 1 ? 504 : i == 2 ? 0 : i == 3 ? 404 : 200;
    });
    MetricExpectation x;
    x.metric = MetricExpectation::Metric::ErrorRate;
    x.max = 0.25;
    const ExpectationResult r = checkMetric(x, run.measured(), Scenario{});
    EXPECT_DOUBLE_EQ(r.value.value_or(-1), 0.3);
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(r.measured, "0.3 (30.0%) of 10 requests");
}

TEST(MetricJudgeTest, LatencyKeepsItsUnitAndOneRequestIsSingular) {
    const Requests run = served(1, 0, [](std::size_t) { return 200; });
    MetricExpectation x;
    x.metric = MetricExpectation::Metric::LatencyPercentile;
    x.percentile = 99;
    x.max = 50;
    const ExpectationResult r = checkMetric(x, run.measured(), Scenario{});
    EXPECT_TRUE(r.passed);
    EXPECT_EQ(r.measured, "10 ms over 1 request");
}

TEST(MetricJudgeTest, NoMatchingRequestIsSaid) {
    const Requests run;
    const ExpectationResult r = checkMetric(share(0, 1), run.measured(), Scenario{});
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(r.measured, "no request matched the filter");
}

}  // namespace
}  // namespace ilab::scenario
