#include "engine/cluster/behavior.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace ilab::cluster {
namespace {

std::vector<double> draw(const LatencyModel& model, int n, std::uint64_t seed = 7) {
    core::SeededRandom random(seed);
    std::vector<double> out;
    for (int i = 0; i < n; ++i)
        out.push_back(sampleLatencyMs(model, random));
    std::sort(out.begin(), out.end());
    return out;
}

double percentile(const std::vector<double>& sorted, double p) {
    return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

TEST(BehaviorTest, LogNormalFromP50AndP99HitsBothPercentiles) {
    const auto samples = draw({LatencyModel::Kind::LogNormal, 20, 200}, 20000);
    EXPECT_NEAR(percentile(samples, 0.50), 20, 20 * 0.05);
    EXPECT_NEAR(percentile(samples, 0.99), 200, 200 * 0.10);
}

TEST(BehaviorTest, NormalHasItsMeanAndSpreadAndNeverGoesNegative) {
    const auto samples = draw({LatencyModel::Kind::Normal, 100, 10}, 20000);
    double sum = 0;
    for (double s : samples)
        sum += s;
    EXPECT_NEAR(sum / static_cast<double>(samples.size()), 100, 1);
    EXPECT_NEAR(percentile(samples, 0.8413) - percentile(samples, 0.5), 10, 1);
    const auto clamped = draw({LatencyModel::Kind::Normal, 1, 50}, 2000);
    EXPECT_GE(clamped.front(), 0.0);
}

TEST(BehaviorTest, UniformStaysWithinItsBoundsAndConstantIsConstant) {
    const auto samples = draw({LatencyModel::Kind::Uniform, 10, 30}, 5000);
    EXPECT_GE(samples.front(), 10.0);
    EXPECT_LT(samples.back(), 30.0);
    EXPECT_NEAR(percentile(samples, 0.5), 20, 1);
    const auto constant = draw({LatencyModel::Kind::Constant, 42, 0}, 10);
    EXPECT_EQ(constant.front(), 42.0);
    EXPECT_EQ(constant.back(), 42.0);
    EXPECT_EQ(draw({}, 3).back(), 0.0);
}

TEST(BehaviorTest, SameSeedGivesTheSameDraws) {
    const LatencyModel model{LatencyModel::Kind::LogNormal, 5, 50};
    EXPECT_EQ(draw(model, 100, 3), draw(model, 100, 3));
    EXPECT_NE(draw(model, 100, 3), draw(model, 100, 4));
}

TEST(BehaviorTest, DurationsAcceptMillisecondsSecondsAndBareNumbers) {
    EXPECT_EQ(parseDurationMs("250ms"), 250.0);
    EXPECT_EQ(parseDurationMs("1s"), 1000.0);
    EXPECT_EQ(parseDurationMs("1.5s"), 1500.0);
    EXPECT_EQ(parseDurationMs("250"), 250.0);
    EXPECT_EQ(parseDurationMs("2m"), 120000.0);
    EXPECT_EQ(parseDurationMs(" 40ms "), 40.0);
    EXPECT_FALSE(parseDurationMs("fast"));
    EXPECT_FALSE(parseDurationMs("-5ms"));
    EXPECT_FALSE(parseDurationMs("ms"));
    EXPECT_EQ(parseDurationMs("5h"), std::nullopt);
    EXPECT_EQ(parseDurationMs("999m"), kMaxDelayMs);
}

TEST(BehaviorTest, BackoffDoublesFromTheBaseUpToFiveMinutes) {
    EXPECT_EQ(restartBackoff(Millis{1000}, 0), Millis{1000});
    EXPECT_EQ(restartBackoff(Millis{1000}, 1), Millis{2000});
    EXPECT_EQ(restartBackoff(Millis{1000}, 3), Millis{8000});
    EXPECT_EQ(restartBackoff(Millis{1000}, 40), Millis{300000});
    EXPECT_EQ(restartBackoff(Millis{0}, 5), Millis{0});
}

TEST(BehaviorTest, SlowStartFadesLinearlyToZero) {
    Behavior b;
    b.slow_start = Millis{1000};
    b.slow_start_extra_ms = 200;
    EXPECT_DOUBLE_EQ(slowStartExtraMs(b, Millis{0}), 200);
    EXPECT_DOUBLE_EQ(slowStartExtraMs(b, Millis{500}), 100);
    EXPECT_DOUBLE_EQ(slowStartExtraMs(b, Millis{1000}), 0);
    EXPECT_DOUBLE_EQ(slowStartExtraMs(Behavior{}, Millis{0}), 0);
}

TEST(BehaviorTest, PathDirectivesAreTheLastTwoSegments) {
    EXPECT_EQ(parseDirectives("/status/503", "", "").status, 503);
    EXPECT_EQ(parseDirectives("/shop/status/418", "", "").status, 418);
    EXPECT_DOUBLE_EQ(parseDirectives("/delay/250ms", "", "").delay_ms, 250);
    EXPECT_DOUBLE_EQ(parseDirectives("/delay/1s", "", "").delay_ms, 1000);
    EXPECT_DOUBLE_EQ(parseDirectives("/delay/250", "", "").delay_ms, 250);
    EXPECT_EQ(parseDirectives("/bytes/1048576", "", "").bytes, 1048576u);
    const auto plain = parseDirectives("/catalog/items", "", "");
    EXPECT_FALSE(plain.status);
    EXPECT_FALSE(plain.bytes);
    EXPECT_TRUE(plain.error.empty());
    EXPECT_FALSE(parseDirectives("/", "", "").status);
    EXPECT_FALSE(parseDirectives("/status", "", "").status);
}

TEST(BehaviorTest, HeaderDirectivesCombineWithThePath) {
    const auto d = parseDirectives("/delay/100ms", "503", "50ms");
    EXPECT_EQ(d.status, 503);
    EXPECT_DOUBLE_EQ(d.delay_ms, 150);
    EXPECT_TRUE(d.error.empty());
}

TEST(BehaviorTest, MalformedDirectivesBecomeAnError) {
    EXPECT_FALSE(parseDirectives("/status/abc", "", "").error.empty());
    EXPECT_FALSE(parseDirectives("/status/99", "", "").error.empty());
    EXPECT_FALSE(parseDirectives("/status/600", "", "").error.empty());
    EXPECT_FALSE(parseDirectives("/bytes/-1", "", "").error.empty());
    EXPECT_FALSE(parseDirectives("/delay/soon", "", "").error.empty());
    EXPECT_FALSE(parseDirectives("/", "five hundred", "").error.empty());
    EXPECT_FALSE(parseDirectives("/", "", "later").error.empty());
}

}  // namespace
}  // namespace ilab::cluster
