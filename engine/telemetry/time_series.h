#pragma once
// One point per second over a bounded window: requests, status classes, bytes and latency
// percentiles, for the live charts (requests per second, error rate, p99 over time).
//
// Seconds count from the hub's epoch (Telemetry's TelemetryOptions::epoch). Points live in
// 60-second chunks that snapshots share: publishing a snapshot copies only the chunk being
// written, not 15 minutes of history. Seconds nobody wrote read as zero points.
//
// Readers use the const functions on a copy held by a Snapshot; any thread. The writer
// functions are Telemetry's and run under its flush lock.
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace ilab::telemetry {

// [0]: no or unknown status; [1]..[5]: 1xx..5xx (see statusClass()).
inline constexpr std::size_t kStatusClassSlots = 6;

struct SeriesPoint {
    std::int64_t second = 0;
    std::uint64_t requests = 0;
    std::array<std::uint64_t, kStatusClassSlots> by_status_class{};
    std::uint64_t canary = 0;
    std::uint64_t bytes_received = 0;  // request lengths
    std::uint64_t bytes_sent = 0;
    // Request time of the requests that completed in this second, in µs. The percentiles
    // follow LatencyHistogram's error bound. Telemetry keeps them open for the newest three
    // seconds of each key; a request that reaches a flush later than that still adds to its
    // second's counts, sum and max, but not to its percentiles.
    std::uint64_t latency_sum_us = 0;
    std::uint64_t latency_max_us = 0;
    std::uint64_t latency_p50_us = 0;
    std::uint64_t latency_p90_us = 0;
    std::uint64_t latency_p95_us = 0;
    std::uint64_t latency_p99_us = 0;

    double meanLatencyMicros() const;
    std::uint64_t serverErrors() const { return by_status_class[5]; }
};

class TimeSeries {
  public:
    static constexpr std::int64_t kChunkSeconds = 60;

    explicit TimeSeries(std::int64_t window_seconds = 900);

    std::int64_t windowSeconds() const { return window_seconds_; }
    bool empty() const { return chunks_.empty(); }
    // Oldest and newest seconds that hold a written point; 0 and -1 when empty.
    std::int64_t firstSecond() const;
    std::int64_t lastSecond() const;

    // The point for `second`, or a zero point with that second if none was written.
    SeriesPoint at(std::int64_t second) const;
    // Every second in [first, last], oldest first, zero points filling the gaps.
    std::vector<SeriesPoint> range(std::int64_t first, std::int64_t last) const;

    // Writer side. The point for `second`, copied out of any chunk a published snapshot may
    // share (a chunk last written under another generation) before it is handed out; nullptr
    // when `second` is already outside the window behind the newest point. Chunks that fall
    // out of the window are dropped. The pointer is valid until the next writer call.
    SeriesPoint* mutablePoint(std::int64_t second, std::uint64_t generation);
    // Drops chunks wholly older than the window ending at `now_second`.
    void prune(std::int64_t now_second);

  private:
    struct Chunk {
        std::int64_t index = 0;  // second / kChunkSeconds
        std::uint64_t generation = 0;
        std::array<SeriesPoint, kChunkSeconds> points{};
    };
    const Chunk* findChunk(std::int64_t index) const;

    std::int64_t window_seconds_;
    std::int64_t newest_ = 0;  // newest second written; meaningful when chunks_ is not empty
    std::deque<std::shared_ptr<Chunk>> chunks_;  // ascending index, gaps allowed
};

}  // namespace ilab::telemetry
