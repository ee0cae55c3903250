#include "engine/telemetry/time_series.h"

#include <gtest/gtest.h>

namespace ilab::telemetry {
namespace {

void write(TimeSeries& s, std::int64_t second, std::uint64_t requests, std::uint64_t gen = 1) {
    SeriesPoint* p = s.mutablePoint(second, gen);
    ASSERT_NE(p, nullptr) << second;
    p->requests += requests;
}

TEST(TimeSeriesTest, UnwrittenSecondsReadAsZeroPointsWithTheirSecond) {
    TimeSeries s(900);
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.lastSecond(), -1);
    write(s, 5, 3);
    write(s, 8, 1);
    const auto points = s.range(4, 9);
    ASSERT_EQ(points.size(), 6u);
    for (std::size_t i = 0; i < points.size(); ++i)
        EXPECT_EQ(points[i].second, 4 + static_cast<std::int64_t>(i));
    EXPECT_EQ(points[0].requests, 0u);
    EXPECT_EQ(points[1].requests, 3u);
    EXPECT_EQ(points[4].requests, 1u);
    EXPECT_EQ(s.firstSecond(), 5);
    EXPECT_EQ(s.lastSecond(), 8);
}

TEST(TimeSeriesTest, RangesCrossChunkBoundaries) {
    TimeSeries s(900);
    for (std::int64_t sec = 55; sec < 125; ++sec)
        write(s, sec, static_cast<std::uint64_t>(sec));
    const auto points = s.range(50, 130);
    ASSERT_EQ(points.size(), 81u);
    for (const auto& p : points) {
        EXPECT_EQ(p.requests,
                  (p.second >= 55 && p.second < 125) ? static_cast<std::uint64_t>(p.second) : 0u);
    }
}

TEST(TimeSeriesTest, OldPointsRollOutOfTheWindow) {
    TimeSeries s(120);  // two minutes
    for (std::int64_t sec = 0; sec < 600; sec += 10)
        write(s, sec, 1);
    // The window behind second 590 starts at 471. Whole chunks are dropped: the one holding
    // 420..479 straddles the edge and stays, everything before it is gone.
    EXPECT_EQ(s.lastSecond(), 590);
    EXPECT_EQ(s.firstSecond(), 420);
    EXPECT_EQ(s.at(410).requests, 0u);
    EXPECT_EQ(s.at(300).requests, 0u);
    EXPECT_EQ(s.at(480).requests, 1u);
    EXPECT_EQ(s.at(590).requests, 1u);
}

TEST(TimeSeriesTest, WritesOlderThanTheWindowAreRefused) {
    TimeSeries s(60);
    write(s, 1000, 1);
    EXPECT_EQ(s.mutablePoint(900, 1), nullptr);
    EXPECT_NE(s.mutablePoint(941, 1), nullptr);  // 1000 - 60 + 1
    EXPECT_EQ(s.mutablePoint(940, 1), nullptr);
}

TEST(TimeSeriesTest, CopiesShareHistoryUntilTheWriterMovesToANewGeneration) {
    TimeSeries writer(900);
    write(writer, 10, 1, /*gen=*/1);
    const TimeSeries published = writer;  // what a snapshot holds
    write(writer, 10, 1, /*gen=*/2);      // next flush: copy on write
    write(writer, 11, 5, /*gen=*/2);
    EXPECT_EQ(published.at(10).requests, 1u);
    EXPECT_EQ(published.at(11).requests, 0u);
    EXPECT_EQ(writer.at(10).requests, 2u);
    EXPECT_EQ(writer.at(11).requests, 5u);
}

TEST(TimeSeriesTest, NegativeSecondsLandInTheirOwnChunk) {
    TimeSeries s(900);
    write(s, -1, 2);
    write(s, 0, 3);
    EXPECT_EQ(s.at(-1).requests, 2u);
    EXPECT_EQ(s.at(0).requests, 3u);
    EXPECT_EQ(s.at(-61).requests, 0u);
}

TEST(TimeSeriesTest, MeanLatencyDividesBySecondRequests) {
    SeriesPoint p;
    EXPECT_EQ(p.meanLatencyMicros(), 0.0);
    p.requests = 4;
    p.latency_sum_us = 10;
    EXPECT_DOUBLE_EQ(p.meanLatencyMicros(), 2.5);
}

}  // namespace
}  // namespace ilab::telemetry
