#include "engine/telemetry/telemetry.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace ilab::telemetry {

std::vector<double> defaultTimeBuckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}
std::vector<double> defaultLengthBuckets() {
    return {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
}
std::vector<double> defaultSizeBuckets() {
    return {10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
}

std::size_t Delivery::eventCount() const {
    std::size_t n = 0;
    for (const auto& b : batches)
        n += b->events.size();
    return n;
}

// --- Snapshot lookups ---

namespace {

const KeyStats* findKey(const std::vector<std::shared_ptr<const KeyStats>>& keys,
                        std::string_view key) {
    auto it =
        std::lower_bound(keys.begin(), keys.end(), key,
                         [](const auto& stats, std::string_view k) { return stats->key < k; });
    return (it != keys.end() && (*it)->key == key) ? it->get() : nullptr;
}

}  // namespace

const KeyStats* Snapshot::ingress(std::string_view key) const {
    return findKey(ingresses, key);
}
const KeyStats* Snapshot::service(std::string_view key) const {
    return findKey(services, key);
}
const KeyStats* Snapshot::pod(std::string_view key) const {
    return findKey(pods, key);
}

std::vector<SeriesPoint> Snapshot::recent(const KeyStats& stats, std::int64_t seconds) const {
    seconds = std::clamp<std::int64_t>(seconds, 0, window_seconds);
    return stats.series.range(current_second - seconds + 1, current_second);
}

// --- Aggregation ---

namespace {

constexpr std::string_view kOtherKey = "(other)";
// Seconds whose per-second percentiles are still open to late events; older ones keep the
// percentiles they had. Events reach a flush at most one flush interval (tens of ms) after
// they complete, so two seconds behind the newest is plenty.
constexpr std::size_t kOpenSeconds = 3;

std::int64_t secondsSince(TimePoint epoch, TimePoint t) {
    const auto d = std::chrono::floor<std::chrono::seconds>(t - epoch);
    return static_cast<std::int64_t>(d.count());
}

// nginx keeps request and upstream times in milliseconds ($request_time "0.004"), and
// ingress-nginx's metrics observe those strings parsed back: truncate the same way.
std::uint64_t toMillis(Micros d) {
    return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count() / 1000);
}

std::uint64_t toMicros(Micros d) {
    return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count());
}

void observe(BucketCounts& h, const std::vector<double>& bounds, std::uint64_t value,
             double units_per_le) {
    if (h.counts.size() != bounds.size()) h.counts.assign(bounds.size(), 0);
    // Divide rather than multiply the bound: v / 1000.0 is the double nearest the decimal
    // nginx prints, exactly what Go's ParseFloat gives ingress-nginx, so edges compare alike.
    const double v = static_cast<double>(value) / units_per_le;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (v <= bounds[i]) {
            ++h.counts[i];
            break;
        }
    }
    ++h.count;
    h.sum += value;
}

// A view of RequestLabels for lookups without building strings.
struct RequestLabelsView {
    std::string_view canary, host, ingress, method, namespace_, path, service, status;
};

auto labelTuple(const RequestLabels& l) {
    return std::tuple<std::string_view, std::string_view, std::string_view, std::string_view,
                      std::string_view, std::string_view, std::string_view, std::string_view>(
        l.canary, l.host, l.ingress, l.method, l.namespace_, l.path, l.service, l.status);
}
auto labelTuple(const RequestLabelsView& l) {
    return std::make_tuple(l.canary, l.host, l.ingress, l.method, l.namespace_, l.path, l.service,
                           l.status);
}

struct LabelsLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return labelTuple(a) < labelTuple(b);
    }
};

// canary, ingress, namespace, service: the summary's labels in name order.
using SummaryKey = std::tuple<std::string, std::string, std::string, std::string>;
using SummaryKeyView =
    std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>;

struct SummaryKeyLess {
    using is_transparent = void;
    static SummaryKeyView view(const SummaryKey& k) {
        return {std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k)};
    }
    static SummaryKeyView view(const SummaryKeyView& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return view(a) < view(b);
    }
};

}  // namespace

class Telemetry::Aggregator {
  public:
    Aggregator(const TelemetryOptions& options, TimePoint epoch)
        : options_(options), epoch_(epoch) {
        total_.stats = makeStats("");
    }

    void beginGeneration() {
        ++generation_;
        dirty_keys_.clear();
    }

    void add(const RequestEvent& event) {
        ++events_;
        const Derived d = derive(event);
        apply(total_, event, d);
        if (!event.ingress.empty()) {
            apply(keyState(ingresses_, joinKey(event.ingress.ns, event.ingress.name)), event, d);
        }
        if (const ServiceRef& svc = event.servingService(); !svc.empty()) {
            apply(keyState(services_, joinKey(svc.ns, svc.name)), event, d);
        }
        if (std::string_view pod = event.pod(); !pod.empty()) {
            apply(keyState(pods_, pod), event, d);
        }
        addPrometheus(event, d);
    }

    std::shared_ptr<const Snapshot> publish(TimePoint now, std::uint64_t dropped) {
        finishPercentiles();
        auto snap = std::make_shared<Snapshot>();
        snap->sequence = generation_;
        snap->epoch = epoch_;
        snap->taken_at = now;
        snap->current_second = secondsSince(epoch_, now);
        snap->window_seconds = options_.series_window.count();
        snap->events_recorded = events_;
        snap->events_dropped = dropped;
        snap->keys_overflow = keys_overflow_;
        snap->total = total_.stats;
        for (const auto& [key, state] : ingresses_)
            snap->ingresses.push_back(state.stats);
        for (const auto& [key, state] : services_)
            snap->services.push_back(state.stats);
        for (const auto& [key, state] : pods_)
            snap->pods.push_back(state.stats);

        PrometheusData& prom = snap->prometheus;
        prom.time_buckets = options_.time_buckets;
        prom.length_buckets = options_.length_buckets;
        prom.size_buckets = options_.size_buckets;
        prom.per_host = options_.metrics_per_host;
        prom.series_overflow = series_overflow_;
        prom.requests.reserve(requests_.size());
        for (const auto& [labels, series] : requests_)
            prom.requests.push_back(series);
        const std::int64_t age_index = summaryAgeIndex(snap->current_second);
        prom.upstream_latency.reserve(summaries_.size());
        for (auto& [key, state] : summaries_) {
            if (state.dirty || state.age_index != age_index) refreshSummary(state, age_index);
            prom.upstream_latency.push_back(state.published);
        }
        return snap;
    }

  private:
    struct Derived {
        std::int64_t second = 0;
        int status_class = 0;
        Micros request_time{0};
        std::optional<Micros> upstream_time;  // last try's response time
    };

    struct OpenSecond {
        std::int64_t second = 0;
        LatencyHistogram latency;
        bool dirty = false;
    };

    struct KeyState {
        std::shared_ptr<KeyStats> stats;
        std::deque<OpenSecond> open;  // ascending seconds, at most kOpenSeconds
        std::uint64_t dirty_generation = 0;
    };

    struct SummaryState {
        std::shared_ptr<const LatencySummary> published;
        std::string canary, ingress, namespace_, service;
        std::uint64_t count = 0;  // lifetime, as a Prometheus summary's _count and _sum
        std::uint64_t sum_ms = 0;
        // Age buckets of client_golang's sliding window, oldest first: (age index, values in
        // ms). Values are whole milliseconds, so below 64 ms the quantiles are exact.
        std::deque<std::pair<std::int64_t, LatencyHistogram>> ages;
        std::int64_t age_index = std::numeric_limits<std::int64_t>::min();
        bool dirty = false;
    };

    // "ns/name" in a reused buffer: flush runs on the proxy's thread, so no per-event
    // allocation for a lookup.
    std::string_view joinKey(std::string_view ns, std::string_view name) {
        scratch_.assign(ns);
        scratch_ += '/';
        scratch_ += name;
        return scratch_;
    }

    std::shared_ptr<KeyStats> makeStats(std::string_view key) const {
        auto stats = std::make_shared<KeyStats>();
        stats->key = std::string(key);
        stats->series = TimeSeries(options_.series_window.count());
        stats->generation = generation_;
        return stats;
    }

    Derived derive(const RequestEvent& event) const {
        Derived d;
        d.second = secondsSince(epoch_, event.complete);
        d.status_class = statusClass(event.status);
        d.request_time = event.requestTime();
        if (const UpstreamAttempt* last = event.lastUpstream()) {
            d.upstream_time = last->responseTime();
        }
        return d;
    }

    KeyState& keyState(std::map<std::string, KeyState, std::less<>>& keys, std::string_view key) {
        auto it = keys.find(key);
        if (it != keys.end()) return it->second;
        if (keys.size() >= options_.max_keys_per_dimension) {
            ++keys_overflow_;
            key = kOtherKey;
            it = keys.find(key);
            if (it != keys.end()) return it->second;
        }
        KeyState state;
        state.stats = makeStats(key);
        return keys.emplace(std::string(key), std::move(state)).first->second;
    }

    KeyStats& writable(KeyState& state) {
        if (state.stats->generation != generation_) {
            // The published snapshot shares this object: copy on first write per flush.
            auto copy = std::make_shared<KeyStats>(*state.stats);
            copy->generation = generation_;
            state.stats = std::move(copy);
        }
        if (state.dirty_generation != generation_) {
            state.dirty_generation = generation_;
            dirty_keys_.push_back(&state);
        }
        return *state.stats;
    }

    void apply(KeyState& state, const RequestEvent& event, const Derived& d) {
        KeyStats& s = writable(state);
        Counters& c = s.counters;
        ++c.requests;
        ++c.by_status_class[static_cast<std::size_t>(d.status_class)];
        if (event.canary) ++c.canary;
        c.retries += event.retries();
        if (!event.faults.empty()) ++c.faulted;
        c.bytes_received += event.request_length;
        c.bytes_sent += event.bytes_sent;
        s.latency.record(d.request_time);
        if (d.upstream_time) s.upstream_latency.record(*d.upstream_time);

        const std::uint64_t us = toMicros(d.request_time);
        SeriesPoint* p = s.series.mutablePoint(d.second, generation_);
        if (p == nullptr) return;  // older than the window
        ++p->requests;
        ++p->by_status_class[static_cast<std::size_t>(d.status_class)];
        if (event.canary) ++p->canary;
        p->bytes_received += event.request_length;
        p->bytes_sent += event.bytes_sent;
        p->latency_sum_us += us;
        p->latency_max_us = std::max(p->latency_max_us, us);
        if (OpenSecond* open = openSecond(state, d.second)) {
            open->latency.recordMicros(us);
            open->dirty = true;
        }
    }

    OpenSecond* openSecond(KeyState& state, std::int64_t second) {
        auto& open = state.open;
        if (open.size() == kOpenSeconds && second < open.front().second) return nullptr;
        auto it =
            std::lower_bound(open.begin(), open.end(), second,
                             [](const OpenSecond& o, std::int64_t s) { return o.second < s; });
        if (it == open.end() || it->second != second) {
            OpenSecond fresh;
            fresh.second = second;
            it = open.insert(it, std::move(fresh));
        }
        OpenSecond* result = &*it;
        if (open.size() > kOpenSeconds) {
            // The new second is newer than the oldest open one (checked above), so dropping
            // the front never drops it; deque::pop_front keeps references to the rest valid.
            open.pop_front();
        }
        return result;
    }

    void finishPercentiles() {
        static constexpr double kPs[] = {50, 90, 95, 99};
        for (KeyState* state : dirty_keys_) {
            for (OpenSecond& open : state->open) {
                if (!open.dirty) continue;
                open.dirty = false;
                SeriesPoint* p = state->stats->series.mutablePoint(open.second, generation_);
                if (p == nullptr) continue;
                const auto v = open.latency.percentiles(kPs);
                p->latency_p50_us = static_cast<std::uint64_t>(v[0].count());
                p->latency_p90_us = static_cast<std::uint64_t>(v[1].count());
                p->latency_p95_us = static_cast<std::uint64_t>(v[2].count());
                p->latency_p99_us = static_cast<std::uint64_t>(v[3].count());
            }
        }
    }

    void addPrometheus(const RequestEvent& event, const Derived& d) {
        // nginx prints $status as three digits; --report-status-classes turns it into
        // fmt.Sprintf("%cxx", status[0]).
        const int code = std::clamp(event.status, 0, 999);
        char status_buf[3] = {static_cast<char>('0' + code / 100),
                              static_cast<char>('0' + code / 10 % 10),
                              static_cast<char>('0' + code % 10)};
        if (options_.report_status_classes) status_buf[1] = status_buf[2] = 'x';
        const std::string_view status(status_buf, 3);
        const std::string canary = event.alternativeUpstreamName();
        const RequestLabelsView view{canary,
                                     options_.metrics_per_host ? event.host : std::string_view(),
                                     event.ingress.name,
                                     event.method,
                                     event.ingress.ns,
                                     event.rule_path,
                                     event.service.name,
                                     status};
        auto it = requests_.find(view);
        if (it == requests_.end()) {
            if (requests_.size() >= options_.max_prometheus_series) {
                ++series_overflow_;
                return;
            }
            RequestLabels labels{std::string(view.canary),     std::string(view.host),
                                 std::string(view.ingress),    std::string(view.method),
                                 std::string(view.namespace_), std::string(view.path),
                                 std::string(view.service),    std::string(view.status)};
            auto series = std::make_shared<RequestSeries>();
            series->labels = labels;
            series->generation = generation_;
            it = requests_.emplace(std::move(labels), std::move(series)).first;
        }
        if (it->second->generation != generation_) {
            auto copy = std::make_shared<RequestSeries>(*it->second);
            copy->generation = generation_;
            it->second = std::move(copy);
        }
        RequestSeries& s = *it->second;
        ++s.requests;
        const auto& tb = options_.time_buckets;
        observe(s.request_duration, tb, toMillis(d.request_time), 1000.0);
        observe(s.request_size, options_.length_buckets, event.request_length, 1.0);
        observe(s.response_size, options_.length_buckets, event.bytes_sent, 1.0);
        observe(s.bytes_sent, options_.size_buckets, event.bytes_sent, 1.0);

        // ingress-nginx's monitor.lua sends tonumber($upstream_connect_time) and friends; with
        // more than one try those are lists ("0.001, 0.002"), tonumber gives nil, and the
        // collector skips the observation. Do the same so the numbers match a real controller.
        if (event.upstreams.size() != 1) return;
        const UpstreamAttempt& up = event.upstreams.front();
        observe(s.response_duration, tb, toMillis(up.responseTime()), 1000.0);
        if (auto h = up.headerTime()) observe(s.header_duration, tb, toMillis(*h), 1000.0);
        if (auto c = up.connectTime()) {
            const std::uint64_t ms = toMillis(*c);
            observe(s.connect_duration, tb, ms, 1000.0);
            addSummary(canary, event, d.second, ms);
        }
    }

    std::int64_t summaryAgeIndex(std::int64_t second) const {
        const std::int64_t age_seconds = std::max<std::int64_t>(
            1, options_.summary_max_age.count() / std::max(1, options_.summary_age_buckets));
        const std::int64_t q = second / age_seconds;
        return (second % age_seconds < 0) ? q - 1 : q;
    }

    void addSummary(const std::string& canary, const RequestEvent& event, std::int64_t second,
                    std::uint64_t ms) {
        const SummaryKeyView key{canary, event.ingress.name, event.ingress.ns, event.service.name};
        auto it = summaries_.find(key);
        if (it == summaries_.end()) {
            SummaryState state;
            state.canary = canary;
            state.ingress = event.ingress.name;
            state.namespace_ = event.ingress.ns;
            state.service = event.service.name;
            SummaryKey owned{canary, event.ingress.name, event.ingress.ns, event.service.name};
            it = summaries_.emplace(std::move(owned), std::move(state)).first;
        }
        SummaryState& state = it->second;
        const std::int64_t age = summaryAgeIndex(second);
        auto slot = std::find_if(state.ages.begin(), state.ages.end(),
                                 [&](const auto& a) { return a.first == age; });
        if (slot == state.ages.end()) {
            state.ages.emplace_back(age, LatencyHistogram());
            std::sort(state.ages.begin(), state.ages.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            slot = std::find_if(state.ages.begin(), state.ages.end(),
                                [&](const auto& a) { return a.first == age; });
        }
        slot->second.recordMicros(ms);
        ++state.count;
        state.sum_ms += ms;
        state.dirty = true;
    }

    void refreshSummary(SummaryState& state, std::int64_t age_index) {
        const std::int64_t oldest = age_index - std::max(1, options_.summary_age_buckets) + 1;
        while (!state.ages.empty() && state.ages.front().first < oldest)
            state.ages.pop_front();
        LatencyHistogram window;
        for (const auto& [age, hist] : state.ages) {
            if (age <= age_index) window.merge(hist);
        }
        auto next = std::make_shared<LatencySummary>();
        next->canary = state.canary;
        next->ingress = state.ingress;
        next->namespace_ = state.namespace_;
        next->service = state.service;
        next->count = state.count;
        next->sum_ms = state.sum_ms;
        next->quantiles = options_.summary_quantiles;
        for (double q : next->quantiles) {
            next->values_seconds.push_back(
                window.empty() ? std::numeric_limits<double>::quiet_NaN()
                               : static_cast<double>(window.percentile(q * 100).count()) / 1000.0);
        }
        state.published = std::move(next);
        state.age_index = age_index;
        state.dirty = false;
    }

    const TelemetryOptions& options_;
    const TimePoint epoch_;
    std::uint64_t generation_ = 0;
    std::uint64_t events_ = 0;
    std::uint64_t keys_overflow_ = 0;
    std::uint64_t series_overflow_ = 0;
    std::string scratch_;  // joinKey()'s buffer

    KeyState total_;
    std::map<std::string, KeyState, std::less<>> ingresses_, services_, pods_;
    std::vector<KeyState*> dirty_keys_;  // map nodes are stable; cleared per generation

    std::map<RequestLabels, std::shared_ptr<RequestSeries>, LabelsLess> requests_;
    std::map<SummaryKey, SummaryState, SummaryKeyLess> summaries_;
};

// --- The hub ---

// Storage of the last released batch, reused for the next pending vector: a fresh 1 MB vector
// is fresh pages, and faulting them in doubled record()'s cost. A batch's deleter returns its
// storage here from whichever thread drops the last reference, hence the mutex.
struct Telemetry::BatchPool {
    std::mutex mutex;
    std::vector<RequestEvent> spare;
};

struct Telemetry::Subscription {
    SubscriptionId id = 0;
    Subscriber callback;
    std::chrono::milliseconds interval{50};
    std::mutex call_mutex;  // held while the callback runs
    std::atomic<bool> active{true};
    // Flush-lock state: batches not yet delivered, and when the last delivery went out.
    std::vector<std::shared_ptr<const EventBatch>> pending;
    std::optional<TimePoint> last_delivery;
};

Telemetry::Telemetry(TelemetryOptions options)
    : options_(std::move(options)),
      epoch_(options_.epoch.value_or(Clock::now())),
      aggregator_(std::make_unique<Aggregator>(options_, epoch_)),
      pool_(std::make_shared<BatchPool>()) {
    publish(aggregator_->publish(epoch_, 0));
}

Telemetry::~Telemetry() = default;

bool Telemetry::record(RequestEvent event) {
    {
        std::lock_guard lock(pending_mutex_);
        if (pending_.size() < options_.max_pending_events) {
            pending_.push_back(std::move(event));
            recorded_.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    // Refused events are destroyed here, outside the lock.
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
}

SubscriptionId Telemetry::subscribe(Subscriber callback, std::chrono::milliseconds interval) {
    auto sub = std::make_shared<Subscription>();
    sub->callback = std::move(callback);
    sub->interval = interval;
    std::lock_guard lock(subscribers_mutex_);
    sub->id = next_subscription_id_++;
    subscribers_.push_back(sub);
    return sub->id;
}

void Telemetry::unsubscribe(SubscriptionId id) {
    std::shared_ptr<Subscription> sub;
    {
        std::lock_guard lock(subscribers_mutex_);
        auto it = std::find_if(subscribers_.begin(), subscribers_.end(),
                               [&](const auto& s) { return s->id == id; });
        if (it == subscribers_.end()) return;
        sub = *it;
        subscribers_.erase(it);
    }
    if (flushing_thread_.load() == std::this_thread::get_id()) {
        // Inside a callback: its own call_mutex may be the one held; do not wait on it.
        sub->active.store(false);
        return;
    }
    std::lock_guard call(sub->call_mutex);  // waits out a delivery in progress
    sub->active.store(false);
}

void Telemetry::flush(TimePoint now) {
    std::lock_guard flush_lock(flush_mutex_);

    // Hand record() an empty vector with room for twice the last batch, prepared here
    // outside the pending lock so record() rarely reallocates while holding it.
    const std::size_t want =
        std::min(options_.max_pending_events, std::max<std::size_t>(64, last_batch_size_ * 2));
    std::vector<RequestEvent> events;
    {
        std::lock_guard lock(pool_->mutex);
        events.swap(pool_->spare);
    }
    // After a burst (a stalled flusher fills up to max_pending_events), give memory back.
    if (events.capacity() > 4 * want) events = {};
    events.reserve(want);
    {
        std::lock_guard lock(pending_mutex_);
        pending_.swap(events);
    }
    last_batch_size_ = events.size();

    aggregator_->beginGeneration();
    for (const RequestEvent& event : events)
        aggregator_->add(event);
    auto snap = aggregator_->publish(now, dropped_.load(std::memory_order_relaxed));
    publish(snap);

    std::shared_ptr<const EventBatch> batch;
    if (!events.empty()) {
        auto owned = std::make_unique<EventBatch>();
        owned->sequence = snap->sequence;
        owned->flushed_at = now;
        owned->events = std::move(events);
        batch = std::shared_ptr<EventBatch>(owned.release(), [pool = pool_](EventBatch* b) {
            std::unique_ptr<EventBatch> doomed(b);
            doomed->events.clear();  // destroy the events outside the pool's lock
            std::lock_guard lock(pool->mutex);
            if (doomed->events.capacity() > pool->spare.capacity()) {
                pool->spare.swap(doomed->events);
            }
        });
    } else {
        // An idle flush: keep the storage rather than allocate it again 20 times a second.
        std::lock_guard lock(pool_->mutex);
        if (events.capacity() > pool_->spare.capacity()) pool_->spare.swap(events);
    }

    std::vector<std::shared_ptr<Subscription>> subs;
    {
        std::lock_guard lock(subscribers_mutex_);
        subs = subscribers_;
    }
    flushing_thread_.store(std::this_thread::get_id());
    struct ClearFlushingThread {
        std::atomic<std::thread::id>& id;
        ~ClearFlushingThread() { id.store(std::thread::id()); }
    } clear{flushing_thread_};
    for (const auto& sub : subs) {
        if (batch) sub->pending.push_back(batch);
        if (sub->pending.empty()) continue;
        if (sub->last_delivery && now - *sub->last_delivery < sub->interval) continue;
        std::lock_guard call(sub->call_mutex);
        if (!sub->active.load()) {
            sub->pending.clear();
            continue;
        }
        Delivery delivery;
        delivery.batches.swap(sub->pending);
        delivery.snapshot = snap;
        sub->last_delivery = now;
        sub->callback(delivery);
    }
}

std::shared_ptr<const Snapshot> Telemetry::snapshot() const {
    std::lock_guard lock(snapshot_mutex_);
    return snapshot_;
}

void Telemetry::publish(std::shared_ptr<const Snapshot> snapshot) {
    {
        std::lock_guard lock(snapshot_mutex_);
        snapshot_.swap(snapshot);
    }
    // The previous snapshot (now in `snapshot`) is released here, outside the lock.
}

}  // namespace ilab::telemetry
