#pragma once
// A mergeable latency distribution with bounded relative error, for percentiles in the
// front ends and scenario reports.
//
// Layout (as HdrHistogram with 5 sub-bucket bits): values are whole microseconds. 0..63 µs
// each have their own bucket, so they are exact. From 64 µs on, each power-of-two range
// [2^k, 2^(k+1)) is split into 32 equal buckets, so a bucket is at most 1/32 of its lowest
// value wide. percentile() answers with the middle of the bucket holding the wanted rank,
// clamped to [min, max], hence:
//
//   |percentile(p) - exact(p)| <= exact(p) / 64   (1.6 %), for values up to kMaxTrackable,
//
// where exact(p) is the nearest-rank percentile of the recorded microsecond values: the
// value at rank ceil(p/100 * count) (rank 1 for p = 0) in ascending order. Durations are
// truncated to whole microseconds on the way in, which adds less than 1 µs.
//
// Values above kMaxTrackable (2^32 - 1 µs, about 71.6 minutes) count in the top bucket;
// count(), sum() and max() keep their true values. Buckets are allocated up to the largest
// value seen, so a histogram of millisecond latencies takes about 2.5 KiB, a full one 7 KiB.
//
// Not synchronised: one writer at a time; copies are independent values.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ilab::telemetry {

class LatencyHistogram {
  public:
    using Micros = std::chrono::microseconds;

    static constexpr int kSubBucketBits = 5;
    static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // 32
    static constexpr std::uint64_t kMaxTrackable = (std::uint64_t{1} << 32) - 1;
    static constexpr double kMaxRelativeError = 1.0 / 64;
    static constexpr std::size_t kBucketCount = 896;  // index of kMaxTrackable, plus one

    // One bucket: every recorded value v with lowest <= v <= highest counted here.
    struct Bucket {
        std::uint64_t lowest = 0;   // µs
        std::uint64_t highest = 0;  // µs
        std::uint64_t count = 0;
    };

    void record(Micros value, std::uint64_t count = 1);  // negative values count as 0
    void recordMicros(std::uint64_t micros, std::uint64_t count = 1);
    void merge(const LatencyHistogram& other);
    void reset();

    std::uint64_t count() const { return count_; }
    bool empty() const { return count_ == 0; }
    Micros sum() const;         // exact sum of the recorded (truncated) values
    Micros min() const;         // 0 when empty
    Micros max() const;         // 0 when empty
    double meanMicros() const;  // 0 when empty

    // Nearest-rank percentile, p in [0, 100] (clamped), within the bound above. 0 when empty.
    Micros percentile(double p) const;
    // Several at once in one pass over the buckets; `ps` need not be sorted.
    std::vector<Micros> percentiles(std::span<const double> ps) const;

    // How many values are <= bound. Exact when bound falls on a bucket edge (any value below
    // 64 µs); otherwise the bucket holding bound counts in when its middle is <= bound, so the
    // answer is off by at most that one bucket's count.
    std::uint64_t countAtOrBelow(Micros bound) const;
    // Prometheus-style cumulative counts for ascending upper bounds in seconds (an "le" list);
    // the implicit +Inf bucket is count(). Same precision as countAtOrBelow().
    std::vector<std::uint64_t> cumulativeCounts(std::span<const double> upper_bounds_s) const;

    // Non-empty buckets in ascending order, for plotting a distribution.
    std::vector<Bucket> buckets() const;

    // The bucket arithmetic, public for tests and for anyone plotting bucket edges.
    static std::size_t bucketIndex(std::uint64_t micros);
    static std::uint64_t bucketLowest(std::size_t index);
    static std::uint64_t bucketHighest(std::size_t index);

    friend bool operator==(const LatencyHistogram&, const LatencyHistogram&) = default;

  private:
    static std::uint64_t bucketMiddle(std::size_t index);

    std::vector<std::uint64_t> counts_;  // grown on demand up to kBucketCount
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace ilab::telemetry
