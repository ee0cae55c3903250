#include "engine/proxy/rate_limiter.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "engine/core/cidr.h"

namespace ilab::proxy {
namespace {

// nginx keeps rates and bursts in milli-requests: "rate=Nr/s" is N*1000, "r/m" N*1000/60
// (integer division, so 1r/m drains 16 per second, not 16.67).
struct Limit {
    LimitKind kind;
    std::int64_t rate;   // milli-requests per second
    std::int64_t burst;  // milli-requests
};

std::int64_t millis(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// ngx_http_limit_req_lookup: elapsed time is clamped (a clock step back of up to a minute
// counts as none, more as 1 ms), the bucket drains rate*ms/1000 and the request adds 1000.
std::int64_t excessAfter(std::int64_t stored, std::int64_t last_ms, std::int64_t now_ms,
                         std::int64_t rate, std::int64_t* elapsed = nullptr) {
    std::int64_t ms = now_ms - last_ms;
    if (ms < -60000)
        ms = 1;
    else if (ms < 0)
        ms = 0;
    if (elapsed) *elapsed = ms;
    return std::max<std::int64_t>(0, stored - rate * ms / 1000 + 1000);
}

bool allowlisted(const dialect::RateLimitPolicy& policy, std::string_view client_ip) {
    if (policy.allowlist.empty()) return false;
    const auto ip = core::IpAddress::parse(client_ip);
    if (!ip) return false;
    return std::any_of(policy.allowlist.begin(), policy.allowlist.end(),
                       [&](const core::Cidr& cidr) { return cidr.contains(*ip); });
}

}  // namespace

std::string_view limitKindName(LimitKind kind) {
    switch (kind) {
        case LimitKind::Rps:
            return "limit-rps";
        case LimitKind::Rpm:
            return "limit-rpm";
        case LimitKind::Connections:
            return "limit-connections";
    }
    return "limit-rps";
}

// --- ConnectionSlot ---------------------------------------------------------------------------

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : counts_(other.counts_), entry_(other.entry_), status_(other.status_) {
    other.counts_ = nullptr;
    other.entry_ = nullptr;
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
        release();
        counts_ = other.counts_;
        entry_ = other.entry_;
        status_ = other.status_;
        other.counts_ = nullptr;
        other.entry_ = nullptr;
    }
    return *this;
}

void ConnectionSlot::release() {
    if (!counts_) return;
    // nginx frees the node when its count reaches zero: memory follows concurrency.
    if (--entry_->second <= 0) counts_->erase(counts_->find(entry_->first));
    counts_ = nullptr;
    entry_ = nullptr;
}

// --- RateLimiter ------------------------------------------------------------------------------

RateVerdict RateLimiter::admit(std::string_view zone_name, const dialect::RateLimitPolicy& policy,
                               std::string_view client_ip,
                               std::chrono::steady_clock::time_point now) {
    RateVerdict verdict;
    if (policy.rps <= 0 && policy.rpm <= 0) return verdict;
    // The allowlist maps the client to an empty key, and nginx skips a limit with an empty key.
    if (allowlisted(policy, client_ip)) {
        verdict.allowlisted = true;
        return verdict;
    }
    const std::int64_t multiplier = std::max(0, policy.burst_multiplier);
    std::array<Limit, 2> limits{};
    std::size_t count = 0;
    // ingress-nginx's buildRateLimit writes the rps limit_req before the rpm one.
    if (policy.rps > 0)
        limits[count++] = {LimitKind::Rps, std::int64_t{policy.rps} * 1000,
                           std::int64_t{policy.rps} * multiplier * 1000};
    if (policy.rpm > 0)
        limits[count++] = {LimitKind::Rpm, std::int64_t{policy.rpm} * 1000 / 60,
                           std::int64_t{policy.rpm} * multiplier * 1000};

    Zone& z = zone(zone_name);
    const std::int64_t now_ms = millis(now);
    struct Pending {
        BucketTable* table;
        std::list<Bucket>::iterator bucket;  // lru.end(): a new client
        std::int64_t excess, elapsed;
    };
    std::array<Pending, 2> pending{};
    // First pass (nginx's lookup without accounting): every limit is checked and the first one
    // over its burst rejects, before any bucket changes.
    for (std::size_t i = 0; i < count; ++i) {
        BucketTable& table = limits[i].kind == LimitKind::Rps ? z.rps : z.rpm;
        table.rate = limits[i].rate;  // the zone's current rate (a reload may change it)
        Pending p{&table, table.lru.end(), 0, 0};
        if (const auto it = table.index.find(client_ip); it != table.index.end()) {
            table.lru.splice(table.lru.begin(), table.lru, it->second);  // LRU bump
            p.bucket = it->second;
            p.excess = excessAfter(p.bucket->excess, p.bucket->last_ms, now_ms, limits[i].rate,
                                   &p.elapsed);
        }
        // A new client starts at excess 0: its first request is free.
        if (p.excess > limits[i].burst) {
            verdict.allowed = false;
            verdict.status = options_.limit_req_status;
            verdict.rejected_by = limits[i].kind;
            verdict.excess_milli = static_cast<std::uint64_t>(p.excess);
            return verdict;
        }
        pending[i] = p;
    }
    // Second pass (nginx's accounting): all passed, so every bucket takes the request.
    for (std::size_t i = 0; i < count; ++i) {
        Pending& p = pending[i];
        if (p.bucket == p.table->lru.end()) {
            insert(*p.table, client_ip, 0, now_ms, limits[i].rate);
            continue;
        }
        p.bucket->excess = p.excess;
        if (p.elapsed != 0) p.bucket->last_ms = now_ms;
    }
    return verdict;
}

ConnectionSlot RateLimiter::acquireConnection(std::string_view zone_name,
                                              const dialect::RateLimitPolicy& policy,
                                              std::string_view client_ip) {
    if (policy.connections <= 0 || allowlisted(policy, client_ip)) return ConnectionSlot();
    ConnectionSlot::Counts& counts = zone(zone_name).connections;
    auto [it, inserted] = counts.try_emplace(std::string(client_ip), 0);
    if (it->second >= policy.connections) {
        if (inserted) counts.erase(it);
        return ConnectionSlot(options_.limit_conn_status);
    }
    ++it->second;
    return ConnectionSlot(&counts, &*it);
}

std::size_t RateLimiter::entries(std::string_view zone_name, LimitKind kind) const {
    const Zone* z = findZone(zone_name);
    if (!z) return 0;
    switch (kind) {
        case LimitKind::Rps:
            return z->rps.lru.size();
        case LimitKind::Rpm:
            return z->rpm.lru.size();
        case LimitKind::Connections:
            return z->connections.size();
    }
    return 0;
}

std::uint64_t RateLimiter::excess(std::string_view zone_name, LimitKind kind,
                                  std::string_view client_ip,
                                  std::chrono::steady_clock::time_point now) const {
    const Zone* z = findZone(zone_name);
    if (!z || kind == LimitKind::Connections) return 0;
    const BucketTable& table = kind == LimitKind::Rps ? z->rps : z->rpm;
    const auto it = table.index.find(client_ip);
    if (it == table.index.end()) return 0;
    const std::int64_t ms = std::max<std::int64_t>(0, millis(now) - it->second->last_ms);
    return static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, it->second->excess - table.rate * ms / 1000));
}

int RateLimiter::activeConnections(std::string_view zone_name, std::string_view client_ip) const {
    const Zone* z = findZone(zone_name);
    if (!z) return 0;
    const auto it = z->connections.find(std::string(client_ip));
    return it == z->connections.end() ? 0 : it->second;
}

RateLimiter::Zone& RateLimiter::zone(std::string_view name) {
    auto it = zones_.find(name);
    if (it == zones_.end()) it = zones_.emplace(std::string(name), Zone{}).first;
    return it->second;
}

const RateLimiter::Zone* RateLimiter::findZone(std::string_view name) const {
    const auto it = zones_.find(name);
    return it == zones_.end() ? nullptr : &it->second;
}

void RateLimiter::insert(BucketTable& table, std::string_view key, std::int64_t excess,
                         std::int64_t now_ms, std::int64_t rate) {
    // ngx_http_limit_req_expire(ctx, 1) before allocating; (ctx, 0) when the zone is full.
    expire(table, now_ms, rate, false);
    if (table.lru.size() >= std::max<std::size_t>(1, options_.max_entries_per_zone))
        expire(table, now_ms, rate, true);
    table.lru.push_front(Bucket{std::string(key), excess, now_ms});
    table.index.emplace(table.lru.front().key, table.lru.begin());
}

void RateLimiter::expire(BucketTable& table, std::int64_t now_ms, std::int64_t rate, bool force) {
    // Looks at the least recently used entries only: up to two that have been idle a minute and
    // drained to zero go; `force` first drops the oldest whatever its state.
    for (int n = force ? 0 : 1; n < 3 && !table.lru.empty(); ++n) {
        Bucket& oldest = table.lru.back();
        if (n != 0) {
            const std::int64_t ms = std::abs(now_ms - oldest.last_ms);
            if (ms < 60000) return;
            if (oldest.excess - rate * ms / 1000 > 0) return;
        }
        table.index.erase(oldest.key);
        table.lru.pop_back();
    }
}

}  // namespace ilab::proxy
