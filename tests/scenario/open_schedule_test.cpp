// The open-model schedule (engine/scenario/open_schedule.cpp): rates through stages and the
// intended send times the load generator keeps to, without sockets or clocks.
#include "engine/scenario/open_schedule.h"

#include <gtest/gtest.h>

namespace ilab::scenario {
namespace {

using namespace std::chrono_literals;

TrafficProfile constant(double rate) {
    TrafficProfile p;
    p.rate = rate;
    return p;
}

TEST(OpenScheduleTest, AConstantRateSendsEvenlyFromTheStart) {
    const auto arrivals = openArrivals(constant(10), 1s);
    ASSERT_EQ(arrivals.size(), 10u);
    for (std::size_t i = 0; i < arrivals.size(); ++i)
        EXPECT_EQ(arrivals[i], std::chrono::milliseconds(100 * i)) << i;
}

TEST(OpenScheduleTest, ARateOfZeroSendsNothing) {
    EXPECT_TRUE(openArrivals(constant(0), 2s).empty());
    EXPECT_FALSE(firstArrival(constant(0)));
    EXPECT_FALSE(nextArrival(constant(0), 1s));
}

TEST(OpenScheduleTest, ARampDownToZeroEndsTheProfilesRequests) {
    TrafficProfile p;
    p.rate = 10;
    p.stages = {{std::chrono::milliseconds(2000), 0}};
    // The area under 10 → 0 over 2 s is 10 requests: the first at 0, then nine more; the
    // tenth unit of area ends at 2 s itself, where rounding may or may not fit an eleventh.
    const auto arrivals = openArrivals(p, 60s);
    EXPECT_GE(arrivals.size(), 10u);
    EXPECT_LE(arrivals.size(), 11u);
    EXPECT_LE(arrivals.back(), 2s + 1ms);
}

TEST(OpenScheduleTest, ExtremeRatesNeitherFloodNorOverflow) {
    // A rate so low its next request is beyond any run is none (1e20 s would not fit the
    // clock's nanoseconds).
    EXPECT_FALSE(nextArrival(constant(1e-20), 0s));
    EXPECT_EQ(openArrivals(constant(1e-20), 60s).size(), 1u);  // the one at 0
    // A high rate on a gentle slope: the root must not cancel to 0 (one request a
    // nanosecond); 1e6/s gives a microsecond apart.
    TrafficProfile p;
    p.rate = 1e6;
    p.stages = {{std::chrono::milliseconds(100000), 1e6 + 1}};
    const auto next = nextArrival(p, 1s);
    ASSERT_TRUE(next);
    EXPECT_NEAR(std::chrono::duration<double>(*next - 1s).count(), 1e-6, 1e-9);
}

TEST(OpenScheduleTest, StagesRampLinearlyAndTheLastTargetHolds) {
    TrafficProfile p;
    p.rate = 0;
    p.stages = {{std::chrono::milliseconds(2000), 10}, {std::chrono::milliseconds(1000), 10},
                {std::chrono::milliseconds(1000), 20}};
    EXPECT_DOUBLE_EQ(rateAt(p, 0s), 0);
    EXPECT_DOUBLE_EQ(rateAt(p, 1s), 5);
    EXPECT_DOUBLE_EQ(rateAt(p, 2s), 10);
    EXPECT_DOUBLE_EQ(rateAt(p, 2500ms), 10);
    EXPECT_DOUBLE_EQ(rateAt(p, 3500ms), 15);
    EXPECT_DOUBLE_EQ(rateAt(p, 60s), 20);  // after the last stage

    // The ramp from 0 to 10/s over 2 s sends about its integral, 10 requests, late-heavy.
    const auto ramp = openArrivals(p, 2s);
    EXPECT_GE(ramp.size(), 8u);
    EXPECT_LE(ramp.size(), 11u);
    std::size_t first_half = 0;
    for (auto t : ramp) first_half += t < 1s;
    EXPECT_LT(first_half, ramp.size() - first_half);
    // Then 10/s for a second, then a ramp to 20/s: 10 and about 15 more.
    const auto all = openArrivals(p, 4s);
    std::size_t third = 0, fourth = 0;
    for (auto t : all) {
        third += t >= 2s && t < 3s;
        fourth += t >= 3s;
    }
    EXPECT_NEAR(static_cast<double>(third), 10, 1);
    EXPECT_NEAR(static_cast<double>(fourth), 15, 2);
}

TEST(OpenScheduleTest, ARampFromZeroSendsItsRequestsInsteadOfStalling) {
    // Spacing requests by 1/rate stalled this ramp: at 10 ms the rate is 1/s, so the next
    // request waited a whole second (1/0.05 s = 20 s on a 0 → 10/s ramp over 2 s). The area
    // under 0 → 100/s over 1 s is 50 requests, the first after 141 ms (50·t² = 1).
    TrafficProfile p;
    p.rate = 0;
    p.stages = {{std::chrono::milliseconds(1000), 100}};
    const auto arrivals = openArrivals(p, 1s);
    ASSERT_FALSE(arrivals.empty());
    EXPECT_NEAR(std::chrono::duration<double>(arrivals.front()).count(), 0.1414, 0.001);
    EXPECT_NEAR(static_cast<double>(arrivals.size()), 50, 1);
    for (std::size_t i = 1; i < arrivals.size(); ++i) ASSERT_LT(arrivals[i - 1], arrivals[i]);
}

}  // namespace
}  // namespace ilab::scenario
