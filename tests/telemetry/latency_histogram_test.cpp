#include "engine/telemetry/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace ilab::telemetry {
namespace {

using Micros = std::chrono::microseconds;

// Nearest rank, the definition LatencyHistogram states: rank ceil(p/100 * n), at least 1.
std::uint64_t exactPercentile(const std::vector<std::uint64_t>& sorted, double p) {
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

void expectWithinBound(const std::vector<std::uint64_t>& values, const char* what) {
    LatencyHistogram h;
    for (auto v : values)
        h.recordMicros(v);
    std::vector<std::uint64_t> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
        const std::uint64_t exact = exactPercentile(sorted, p);
        const auto estimate = static_cast<std::uint64_t>(h.percentile(p).count());
        const std::uint64_t error = estimate > exact ? estimate - exact : exact - estimate;
        // |estimate - exact| <= exact / 64, kept in integers.
        EXPECT_LE(error * 64, exact)
            << what << " p" << p << ": exact " << exact << " estimate " << estimate;
    }
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGapsOrOverlap) {
    for (std::size_t i = 0; i + 1 < LatencyHistogram::kBucketCount; ++i) {
        ASSERT_EQ(LatencyHistogram::bucketLowest(i + 1), LatencyHistogram::bucketHighest(i) + 1)
            << i;
        ASSERT_EQ(LatencyHistogram::bucketIndex(LatencyHistogram::bucketLowest(i)), i);
        ASSERT_EQ(LatencyHistogram::bucketIndex(LatencyHistogram::bucketHighest(i)), i);
    }
    EXPECT_EQ(LatencyHistogram::bucketHighest(LatencyHistogram::kBucketCount - 1),
              LatencyHistogram::kMaxTrackable);
}

TEST(LatencyHistogramTest, BucketWidthIsAtMostOneThirtySecondOfItsLowestValue) {
    for (std::size_t i = 0; i < LatencyHistogram::kBucketCount; ++i) {
        const auto lo = LatencyHistogram::bucketLowest(i);
        const auto width = LatencyHistogram::bucketHighest(i) - lo + 1;
        if (lo < 64) {
            EXPECT_EQ(width, 1u) << i;
        } else {
            EXPECT_LE(width * 32, lo) << i;
        }
    }
}

TEST(LatencyHistogramTest, ValuesBelowSixtyFourMicrosecondsAreExact) {
    LatencyHistogram h;
    for (std::uint64_t v = 0; v < 64; ++v)
        h.recordMicros(v);
    for (int p = 1; p <= 100; ++p) {
        const auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * 64));
        EXPECT_EQ(h.percentile(p).count(), static_cast<long>(rank - 1)) << p;
    }
}

TEST(LatencyHistogramTest, PercentilesStayWithinTheStatedBoundOnSeededRandomData) {
    std::mt19937_64 rng(20240611);
    std::vector<std::uint64_t> uniform, lognormal, exponential, bimodal;
    std::uniform_int_distribution<std::uint64_t> u(1, 10'000'000);
    std::lognormal_distribution<double> ln(std::log(2000.0), 1.2);  // p50 2 ms, long tail
    std::exponential_distribution<double> ex(1.0 / 500.0);
    std::normal_distribution<double> fast(800, 100), slow(250'000, 20'000);
    for (int i = 0; i < 20000; ++i) {
        uniform.push_back(u(rng));
        lognormal.push_back(static_cast<std::uint64_t>(ln(rng)));
        exponential.push_back(static_cast<std::uint64_t>(ex(rng)));
        bimodal.push_back(
            static_cast<std::uint64_t>(std::max(1.0, i % 10 ? fast(rng) : slow(rng))));
    }
    expectWithinBound(uniform, "uniform");
    expectWithinBound(lognormal, "lognormal");
    expectWithinBound(exponential, "exponential");
    expectWithinBound(bimodal, "bimodal");
    expectWithinBound({3'600'000'000}, "one hour");
}

TEST(LatencyHistogramTest, CountSumMinMaxAndMeanAreExact) {
    LatencyHistogram h;
    h.record(Micros{1500});
    h.record(Micros{70});
    h.record(Micros{123456}, 2);
    EXPECT_EQ(h.count(), 4u);
    EXPECT_EQ(h.sum(), Micros{1500 + 70 + 2 * 123456});
    EXPECT_EQ(h.min(), Micros{70});
    EXPECT_EQ(h.max(), Micros{123456});
    EXPECT_DOUBLE_EQ(h.meanMicros(), (1500 + 70 + 2 * 123456) / 4.0);
    EXPECT_EQ(h.percentile(0), Micros{70});  // clamped to the observed range
    EXPECT_EQ(h.percentile(100), Micros{123456});
}

TEST(LatencyHistogramTest, EmptyHistogramAnswersZero) {
    LatencyHistogram h;
    EXPECT_TRUE(h.empty());
    EXPECT_EQ(h.percentile(50), Micros{0});
    EXPECT_EQ(h.min(), Micros{0});
    EXPECT_EQ(h.max(), Micros{0});
    EXPECT_EQ(h.meanMicros(), 0.0);
    EXPECT_TRUE(h.buckets().empty());
}

TEST(LatencyHistogramTest, NegativeDurationsCountAsZero) {
    LatencyHistogram h;
    h.record(Micros{-5});
    EXPECT_EQ(h.count(), 1u);
    EXPECT_EQ(h.max(), Micros{0});
}

TEST(LatencyHistogramTest, ValuesBeyondTheTrackableRangeKeepTheirCountSumAndMax) {
    LatencyHistogram h;
    const std::uint64_t huge = LatencyHistogram::kMaxTrackable * 4;
    h.recordMicros(huge);
    EXPECT_EQ(h.count(), 1u);
    EXPECT_EQ(static_cast<std::uint64_t>(h.max().count()), huge);
    EXPECT_EQ(static_cast<std::uint64_t>(h.sum().count()), huge);
    ASSERT_EQ(h.buckets().size(), 1u);
    EXPECT_EQ(h.buckets()[0].highest, LatencyHistogram::kMaxTrackable);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingIntoOne) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> ln(std::log(5000.0), 1.5);
    LatencyHistogram a, b, all;
    for (int i = 0; i < 5000; ++i) {
        const auto v = static_cast<std::uint64_t>(ln(rng));
        (i % 3 ? a : b).recordMicros(v);
        all.recordMicros(v);
    }
    LatencyHistogram merged = a;
    merged.merge(b);
    EXPECT_EQ(merged, all);
    for (double p : {50.0, 90.0, 99.0})
        EXPECT_EQ(merged.percentile(p), all.percentile(p));

    LatencyHistogram into_empty;
    into_empty.merge(all);
    EXPECT_EQ(into_empty, all);
    merged.merge(LatencyHistogram());
    EXPECT_EQ(merged, all);
}

TEST(LatencyHistogramTest, PercentilesInOnePassMatchOneAtATime) {
    LatencyHistogram h;
    for (std::uint64_t v = 1; v <= 100000; v += 7)
        h.recordMicros(v);
    const double ps[] = {99, 50, 0, 90, 100};
    const auto many = h.percentiles(ps);
    for (std::size_t i = 0; i < std::size(ps); ++i)
        EXPECT_EQ(many[i], h.percentile(ps[i]));
}

TEST(LatencyHistogramTest, CumulativeCountsAreExactOnBucketEdgesAndOffByOneBucketElsewhere) {
    LatencyHistogram h;
    for (std::uint64_t v = 1; v <= 60; ++v)
        h.recordMicros(v);
    const double exact_edges[] = {0.00001, 0.00003, 0.00006};
    EXPECT_EQ(h.cumulativeCounts(exact_edges), (std::vector<std::uint64_t>{10, 30, 60}));

    std::mt19937_64 rng(99);
    std::uniform_int_distribution<std::uint64_t> u(1, 20'000'000);
    LatencyHistogram big;
    std::vector<std::uint64_t> values;
    for (int i = 0; i < 10000; ++i) {
        values.push_back(u(rng));
        big.recordMicros(values.back());
    }
    const std::vector<double> le = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    const auto counts = big.cumulativeCounts(le);
    for (std::size_t i = 0; i < le.size(); ++i) {
        const auto bound = static_cast<std::uint64_t>(std::llround(le[i] * 1e6));
        const auto exact = static_cast<std::uint64_t>(
            std::count_if(values.begin(), values.end(), [&](auto v) { return v <= bound; }));
        const std::size_t b = LatencyHistogram::bucketIndex(bound);
        std::uint64_t in_bucket = 0;
        for (const auto& bucket : big.buckets()) {
            if (LatencyHistogram::bucketIndex(bucket.lowest) == b) in_bucket = bucket.count;
        }
        const std::uint64_t error = counts[i] > exact ? counts[i] - exact : exact - counts[i];
        EXPECT_LE(error, in_bucket) << "le " << le[i];
    }
}

}  // namespace
}  // namespace ilab::telemetry
