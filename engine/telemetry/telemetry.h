#pragma once
// The telemetry hub: the proxy records one RequestEvent per request, the owner flushes on a
// timer, front ends subscribe to batches and read snapshots. It keeps DESIGN.md property 6:
// the engine never blocks on a front end.
//
//   proxy thread ── record(event) ──► pending events (a vector under a mutex held only
//                                     for a push_back; capped, excess dropped and counted)
//   owner's timer ── flush(now) ────► swap the pending events out, aggregate them into
//                                     counters, histograms, time series and Prometheus
//                                     series, publish a Snapshot, then hand each subscriber
//                                     the batches due to it
//   any thread ───── snapshot() ────► the latest published Snapshot
//
// record() never waits for aggregation, for a subscriber, or for a reader: the worst it
// waits for is flush() swapping two vectors. Aggregation runs in flush(), so its cost is paid
// once per batch on the flushing thread, and a snapshot is at most one flush interval old.
//
// The library has no event loop and no clock of its own: the owner calls flush(now) every
// few tens of milliseconds (the proxy from a thread of its own) and passes the time in, so tests
// drive it with any clock they like.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/telemetry/request_event.h"
#include "engine/telemetry/snapshot.h"

namespace ilab::telemetry {

// ingress-nginx's default histogram buckets (pkg/flags/flags.go: --time-buckets,
// --length-buckets, --size-buckets).
std::vector<double> defaultTimeBuckets();    // prometheus.DefBuckets: 0.005 .. 10 s
std::vector<double> defaultLengthBuckets();  // LinearBuckets(10, 10, 10): 10 .. 100 bytes
std::vector<double> defaultSizeBuckets();    // ExponentialBuckets(10, 10, 7): 10 .. 1e7 bytes

struct TelemetryOptions {
    // Second 0 of the time series; unset: the steady clock when the hub is built.
    std::optional<TimePoint> epoch;
    std::chrono::seconds series_window{900};  // one-second points kept per series
    // Events waiting for the next flush. At 10,000 requests/s and a 50 ms flush a batch holds
    // 500; the cap only bites when flushing stalls, and then bounds memory.
    std::size_t max_pending_events = 65536;
    // Distinct ingresses, services and pods each; requests for more keys than this count
    // under "(other)", so a pod that restarts a thousand times cannot grow memory forever.
    std::size_t max_keys_per_dimension = 4096;
    // Distinct Prometheus label sets; beyond it events are left out of the exposition and
    // counted (PrometheusData::series_overflow), as a real controller would drown instead.
    std::size_t max_prometheus_series = 20000;

    // ingress-nginx's --metrics-per-host (default on) and --report-status-classes.
    bool metrics_per_host = true;
    bool report_status_classes = false;
    std::vector<double> time_buckets = defaultTimeBuckets();
    std::vector<double> length_buckets = defaultLengthBuckets();
    std::vector<double> size_buckets = defaultSizeBuckets();
    // The upstream-latency summary: objectives and sliding window, as client_golang's
    // defaults (MaxAge 10 min in 5 age buckets).
    std::vector<double> summary_quantiles = {0.5, 0.9, 0.99};
    std::chrono::seconds summary_max_age{600};
    int summary_age_buckets = 5;
};

// Events recorded between two flushes, in record() order.
struct EventBatch {
    std::uint64_t sequence = 0;  // the flush that cut it (Snapshot::sequence)
    TimePoint flushed_at;
    std::vector<RequestEvent> events;
};

// What a subscriber receives: the batches cut since its last delivery, oldest first, and the
// snapshot that already includes all of them. Everything is shared and immutable: keep or
// forward any part (to a GUI thread, a WebSocket) without copying events.
struct Delivery {
    std::vector<std::shared_ptr<const EventBatch>> batches;
    std::shared_ptr<const Snapshot> snapshot;

    std::size_t eventCount() const;
};

using Subscriber = std::function<void(const Delivery&)>;
using SubscriptionId = std::uint64_t;

class Telemetry {
  public:
    explicit Telemetry(TelemetryOptions options = {});
    ~Telemetry();
    Telemetry(const Telemetry&) = delete;
    Telemetry& operator=(const Telemetry&) = delete;

    // Queues one finished request for the next flush. Any thread; never blocks on
    // aggregation, subscribers or readers. Returns false, and counts the event as dropped,
    // when max_pending_events are already waiting.
    bool record(RequestEvent event);

    // Delivers batches to `callback` from flush(), at most once per `interval` and only when
    // there are new events. Callbacks run on the flushing thread, one at a time, after the
    // snapshot is published: they must hand the Delivery off (a queued Qt call, a post to
    // another executor) rather than work on it, or they delay the next flush (never
    // record()). A callback may subscribe, unsubscribe and call snapshot(); it must not call
    // flush(). Any thread.
    SubscriptionId subscribe(Subscriber callback,
                             std::chrono::milliseconds interval = std::chrono::milliseconds{50});
    // Stops deliveries. Called from any thread but the flushing one, it waits for a
    // delivery in progress to that subscriber, so when it returns the callback is not running
    // and never runs again (safe to destroy what it captured). Called from within a callback,
    // it takes effect when that callback returns.
    void unsubscribe(SubscriptionId id);

    // Aggregates everything recorded so far, publishes a snapshot taken at `now`, and makes
    // the deliveries that are due. The owner calls it on a timer (every 50 ms suits the
    // front ends) and once more at shutdown; `now` should not go backwards. Any thread; calls
    // are serialised.
    void flush(TimePoint now);

    // The latest published snapshot (one exists from construction on). Any thread; lock-free
    // for practical purposes (a mutex held for a pointer copy).
    std::shared_ptr<const Snapshot> snapshot() const;

    // Counters readable at any time, without waiting for a flush.
    std::uint64_t recordedEvents() const { return recorded_.load(std::memory_order_relaxed); }
    std::uint64_t droppedEvents() const { return dropped_.load(std::memory_order_relaxed); }

    const TelemetryOptions& options() const { return options_; }

  private:
    struct Subscription;
    struct BatchPool;
    class Aggregator;

    void publish(std::shared_ptr<const Snapshot> snapshot);

    const TelemetryOptions options_;
    const TimePoint epoch_;

    mutable std::mutex pending_mutex_;  // guards pending_ only; held for a push_back or swap
    std::vector<RequestEvent> pending_;
    std::atomic<std::uint64_t> recorded_{0};
    std::atomic<std::uint64_t> dropped_{0};

    std::mutex flush_mutex_;  // serialises flush(); guards aggregator_ and subscription state
    std::unique_ptr<Aggregator> aggregator_;
    std::size_t last_batch_size_ = 0;
    std::shared_ptr<BatchPool> pool_;  // released batches' storage, reused by flush()

    std::mutex subscribers_mutex_;  // guards the list, not the callbacks' execution
    std::vector<std::shared_ptr<Subscription>> subscribers_;
    SubscriptionId next_subscription_id_ = 1;
    std::atomic<std::thread::id> flushing_thread_{};  // set while callbacks run

    mutable std::mutex snapshot_mutex_;
    std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace ilab::telemetry
