#include "engine/telemetry/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

namespace ilab::telemetry {
namespace {

constexpr std::uint64_t kLinearLimit = 2 * LatencyHistogram::kSubBuckets;  // 64: exact below

static_assert(LatencyHistogram::kBucketCount == kLinearLimit +
                                                    (31 - 6) * LatencyHistogram::kSubBuckets +
                                                    LatencyHistogram::kSubBuckets);

// Nearest rank (1-based) for percentile p of n values.
std::uint64_t rankFor(double p, std::uint64_t n) {
    p = std::clamp(p, 0.0, 100.0);
    const double exact = std::ceil(p / 100.0 * static_cast<double>(n));
    auto rank = static_cast<std::uint64_t>(exact);
    return std::clamp<std::uint64_t>(rank, 1, n);
}

}  // namespace

std::size_t LatencyHistogram::bucketIndex(std::uint64_t micros) {
    micros = std::min(micros, kMaxTrackable);
    if (micros < kLinearLimit) return static_cast<std::size_t>(micros);
    const int k = static_cast<int>(std::bit_width(micros)) - 1;  // floor(log2), >= 6
    const int shift = k - kSubBucketBits;
    const std::uint64_t sub = (micros >> shift) - kSubBuckets;  // 0..31
    return static_cast<std::size_t>(kLinearLimit + static_cast<std::uint64_t>(k - 6) * kSubBuckets +
                                    sub);
}

std::uint64_t LatencyHistogram::bucketLowest(std::size_t index) {
    if (index < kLinearLimit) return index;
    const std::uint64_t j = index - kLinearLimit;
    const std::uint64_t k = 6 + j / kSubBuckets;
    const std::uint64_t sub = j % kSubBuckets;
    return (kSubBuckets + sub) << (k - kSubBucketBits);
}

std::uint64_t LatencyHistogram::bucketHighest(std::size_t index) {
    if (index < kLinearLimit) return index;
    const std::uint64_t k = 6 + (index - kLinearLimit) / kSubBuckets;
    return bucketLowest(index) + (std::uint64_t{1} << (k - kSubBucketBits)) - 1;
}

std::uint64_t LatencyHistogram::bucketMiddle(std::size_t index) {
    const std::uint64_t lo = bucketLowest(index);
    return lo + (bucketHighest(index) - lo) / 2;
}

void LatencyHistogram::record(Micros value, std::uint64_t count) {
    recordMicros(value.count() < 0 ? 0 : static_cast<std::uint64_t>(value.count()), count);
}

void LatencyHistogram::recordMicros(std::uint64_t micros, std::uint64_t count) {
    if (count == 0) return;
    const std::size_t index = bucketIndex(micros);
    if (index >= counts_.size()) counts_.resize(index + 1, 0);
    counts_[index] += count;
    if (count_ == 0) {
        min_ = max_ = micros;
    } else {
        min_ = std::min(min_, micros);
        max_ = std::max(max_, micros);
    }
    count_ += count;
    sum_ += micros * count;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.count_ == 0) return;
    if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
    for (std::size_t i = 0; i < other.counts_.size(); ++i)
        counts_[i] += other.counts_[i];
    if (count_ == 0) {
        min_ = other.min_;
        max_ = other.max_;
    } else {
        min_ = std::min(min_, other.min_);
        max_ = std::max(max_, other.max_);
    }
    count_ += other.count_;
    sum_ += other.sum_;
}

void LatencyHistogram::reset() {
    *this = LatencyHistogram();
}

LatencyHistogram::Micros LatencyHistogram::sum() const {
    return Micros{static_cast<Micros::rep>(sum_)};
}
LatencyHistogram::Micros LatencyHistogram::min() const {
    return Micros{static_cast<Micros::rep>(min_)};
}
LatencyHistogram::Micros LatencyHistogram::max() const {
    return Micros{static_cast<Micros::rep>(max_)};
}

double LatencyHistogram::meanMicros() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

LatencyHistogram::Micros LatencyHistogram::percentile(double p) const {
    const double ps[] = {p};
    return percentiles(ps).front();
}

std::vector<LatencyHistogram::Micros> LatencyHistogram::percentiles(
    std::span<const double> ps) const {
    std::vector<Micros> out(ps.size(), Micros{0});
    if (count_ == 0) return out;
    // Visit the wanted ranks in ascending order while walking the buckets once.
    std::vector<std::size_t> order(ps.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<std::uint64_t> ranks(ps.size());
    for (std::size_t i = 0; i < ps.size(); ++i)
        ranks[i] = rankFor(ps[i], count_);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return ranks[a] < ranks[b]; });
    std::uint64_t seen = 0;
    std::size_t next = 0;
    for (std::size_t b = 0; b < counts_.size() && next < order.size(); ++b) {
        seen += counts_[b];
        while (next < order.size() && ranks[order[next]] <= seen) {
            // The middle halves the worst case; clamping to the observed range makes p0 and
            // p100 exact and can only move the answer toward the true value.
            const std::uint64_t v = std::clamp(bucketMiddle(b), min_, max_);
            out[order[next]] = Micros{static_cast<Micros::rep>(v)};
            ++next;
        }
    }
    return out;
}

std::uint64_t LatencyHistogram::countAtOrBelow(Micros bound) const {
    if (bound.count() < 0) return 0;
    const auto limit = static_cast<std::uint64_t>(bound.count());
    std::uint64_t total = 0;
    for (std::size_t b = 0; b < counts_.size(); ++b) {
        if (bucketHighest(b) <= limit || bucketMiddle(b) <= limit) {
            total += counts_[b];
        } else {
            break;
        }
    }
    return total;
}

std::vector<std::uint64_t> LatencyHistogram::cumulativeCounts(
    std::span<const double> upper_bounds_s) const {
    std::vector<std::uint64_t> out;
    out.reserve(upper_bounds_s.size());
    for (double le : upper_bounds_s) {
        // Round, not truncate: 0.3 s is 299999.99999999997 µs in binary floating point.
        out.push_back(countAtOrBelow(Micros{std::llround(le * 1e6)}));
    }
    return out;
}

std::vector<LatencyHistogram::Bucket> LatencyHistogram::buckets() const {
    std::vector<Bucket> out;
    for (std::size_t b = 0; b < counts_.size(); ++b) {
        if (counts_[b] != 0) out.push_back({bucketLowest(b), bucketHighest(b), counts_[b]});
    }
    return out;
}

}  // namespace ilab::telemetry
