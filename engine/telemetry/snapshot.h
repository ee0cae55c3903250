#pragma once
// What the front ends read: an immutable aggregate of every request up to one flush.
//
// Telemetry publishes a new Snapshot on each flush and hands out
// std::shared_ptr<const Snapshot>; holders may read it from any thread for as long as they
// like, and later snapshots share the parts that did not change (per-key stats, time-series
// chunks, Prometheus series) with it.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/telemetry/latency_histogram.h"
#include "engine/telemetry/request_event.h"
#include "engine/telemetry/time_series.h"

namespace ilab::telemetry {

struct Counters {
    std::uint64_t requests = 0;
    std::array<std::uint64_t, kStatusClassSlots> by_status_class{};  // index: statusClass()
    std::uint64_t canary = 0;                                        // served by a canary backend
    std::uint64_t retries = 0;         // upstream tries after the first, summed
    std::uint64_t faulted = 0;         // requests at least one fault acted on
    std::uint64_t bytes_received = 0;  // request lengths
    std::uint64_t bytes_sent = 0;

    friend bool operator==(const Counters&, const Counters&) = default;
};

// Everything known about one key: an Ingress ("ns/name"), a Service that served requests
// ("ns/name"; the canary's for canary requests), a pod ("web-7d4b9c8f6-x2kq9"), or all
// requests (key "").
struct KeyStats {
    std::string key;
    Counters counters;
    LatencyHistogram latency;           // request time (RequestEvent::requestTime())
    LatencyHistogram upstream_latency;  // last try's response time, for requests that had one
    TimeSeries series;
    std::uint64_t generation = 0;  // Telemetry's copy-on-write bookkeeping
};

// --- The Prometheus side, kept in ingress-nginx's shapes (see prometheus.h) ---

// A classic Prometheus histogram over fixed upper bounds. Observations are integers in the
// metric's unit (milliseconds for durations, as nginx measures them; bytes for sizes), so sums
// are exact and bucket edges compare exactly as ingress-nginx's float64s do.
struct BucketCounts {
    std::vector<std::uint64_t> counts;  // per bound, not cumulative; overflow is count - sum
    std::uint64_t count = 0;
    std::uint64_t sum = 0;
};

// Label values of one nginx_ingress_controller_requests series (and of the histograms that
// share its labels), in the alphabetical order ingress-nginx's registry sorts them in.
struct RequestLabels {
    std::string canary;   // $proxy_alternative_upstream_name: "" unless a canary served
    std::string host;     // "" when metrics_per_host is off
    std::string ingress;  // Ingress name
    std::string method;
    std::string namespace_;  // the Ingress's namespace
    std::string path;        // the rule's path ($location_path)
    std::string service;     // the rule's Service name
    std::string status;      // "200", or "2xx" with report_status_classes

    friend auto operator<=>(const RequestLabels&, const RequestLabels&) = default;
};

struct RequestSeries {
    RequestLabels labels;
    std::uint64_t requests = 0;
    BucketCounts request_duration;   // ms, time buckets: $request_time
    BucketCounts response_duration;  // ms, time buckets: $upstream_response_time
    BucketCounts connect_duration;   // ms, time buckets: $upstream_connect_time
    BucketCounts header_duration;    // ms, time buckets: $upstream_header_time
    BucketCounts request_size;       // bytes, length buckets: $request_length
    BucketCounts response_size;      // bytes, length buckets: $bytes_sent
    BucketCounts bytes_sent;         // bytes, size buckets: $bytes_sent
    std::uint64_t generation = 0;
};

// nginx_ingress_controller_ingress_upstream_latency_seconds, a summary: lifetime count and
// sum, quantiles over the last 8-10 minutes as client_golang's default sliding window.
struct LatencySummary {
    std::string canary, ingress, namespace_, service;
    std::uint64_t count = 0;
    std::uint64_t sum_ms = 0;
    std::vector<double> quantiles;       // the objectives (0.5, 0.9, 0.99)
    std::vector<double> values_seconds;  // per objective; NaN when the window is empty
};

struct PrometheusData {
    std::vector<double> time_buckets;    // upper bounds in seconds
    std::vector<double> length_buckets;  // bytes
    std::vector<double> size_buckets;    // bytes
    bool per_host = true;
    std::vector<std::shared_ptr<const RequestSeries>> requests;           // sorted by labels
    std::vector<std::shared_ptr<const LatencySummary>> upstream_latency;  // sorted by labels
    std::uint64_t series_overflow = 0;  // events not counted because the series cap was hit
};

struct Snapshot {
    std::uint64_t sequence = 0;       // increases by one per flush
    TimePoint epoch;                  // second 0 of every time series
    TimePoint taken_at;               // the `now` of the flush that published it
    std::int64_t current_second = 0;  // taken_at in series seconds
    std::int64_t window_seconds = 900;

    std::uint64_t events_recorded = 0;  // accepted by record() and aggregated here
    std::uint64_t events_dropped = 0;   // refused by record() because the pending cap was hit
    std::uint64_t keys_overflow = 0;    // events whose key went to "(other)" (key cap hit)

    std::shared_ptr<const KeyStats> total;                   // never null
    std::vector<std::shared_ptr<const KeyStats>> ingresses;  // sorted by key
    std::vector<std::shared_ptr<const KeyStats>> services;
    std::vector<std::shared_ptr<const KeyStats>> pods;
    PrometheusData prometheus;

    // Lookups by key; nullptr when the key has no requests.
    const KeyStats* ingress(std::string_view key) const;
    const KeyStats* service(std::string_view key) const;
    const KeyStats* pod(std::string_view key) const;

    // The last `seconds` points of a key's series ending at current_second, oldest first,
    // zero points for idle seconds; at most window_seconds of them.
    std::vector<SeriesPoint> recent(const KeyStats& stats, std::int64_t seconds) const;
};

}  // namespace ilab::telemetry
