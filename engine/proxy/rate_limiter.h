#pragma once
// limit-rps, limit-rpm and limit-connections as ingress-nginx renders them: nginx's limit_req
// (leaky bucket, burst = limit x limit-burst-multiplier, nodelay) and limit_conn, keyed by the
// client address, in one zone per Ingress object shared by all its hosts and paths.
//
// Pure and deterministic: the caller passes the time (a steady_clock time point, used at
// millisecond resolution like ngx_current_msec). No response headers are produced: ingress-nginx
// sends no Retry-After and no X-RateLimit-*.
//
// Threads: not thread-safe. The proxy calls it from its one event-loop thread. ConnectionSlots
// must be released (destroyed) on that thread, before the RateLimiter is destroyed.
#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/dialect/policies.h"

namespace ilab::proxy {

enum class LimitKind { Rps, Rpm, Connections };
std::string_view limitKindName(LimitKind kind);  // "limit-rps", "limit-rpm", "limit-connections"

struct RateLimiterOptions {
    int limit_req_status = 503;   // ConfigMap limit-req-status-code (L06: often 429)
    int limit_conn_status = 503;  // ConfigMap limit-conn-status-code
    // Client entries kept per zone and limit before the least recently used go. ingress-nginx
    // gives each zone 5 MiB; nginx's docs reckon 64 bytes a state.
    std::size_t max_entries_per_zone = 5 * 1024 * 1024 / 64;
};

struct RateVerdict {
    bool allowed = true;
    int status = 0;                        // the rejection status when !allowed
    std::optional<LimitKind> rejected_by;  // the first limit (rps, then rpm) over its burst
    std::uint64_t excess_milli = 0;        // that bucket's excess, as nginx logs it
    bool allowlisted = false;              // limit-allowlist matched: no limit applied
};

class RateLimiter;

// A held limit-connections slot: released when destroyed (or by release()), so a request
// counts against its client from admission until its response is done. Move-only.
class ConnectionSlot {
  public:
    ConnectionSlot() = default;
    ConnectionSlot(ConnectionSlot&& other) noexcept;
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot() { release(); }

    bool admitted() const { return status_ == 0; }
    int status() const { return status_; }  // 0, or the rejection status (503 by default)
    bool holding() const { return counts_ != nullptr; }
    void release();

  private:
    friend class RateLimiter;
    using Counts = std::unordered_map<std::string, int>;
    ConnectionSlot(Counts* counts, Counts::value_type* entry) : counts_(counts), entry_(entry) {}
    explicit ConnectionSlot(int status) : status_(status) {}

    Counts* counts_ = nullptr;
    Counts::value_type* entry_ = nullptr;
    int status_ = 0;
};

class RateLimiter {
  public:
    explicit RateLimiter(RateLimiterOptions options = {}) : options_(options) {}
    RateLimiter(const RateLimiter&) = delete;
    RateLimiter& operator=(const RateLimiter&) = delete;

    const RateLimiterOptions& options() const { return options_; }
    void setOptions(const RateLimiterOptions& options) { options_ = options; }

    // limit_req for one request: limit-rps, then limit-rpm, in zone `zone` (the Ingress,
    // "namespace/name"), keyed by `client_ip` (the real client address, text form). The first
    // limit whose excess would pass its burst rejects, and then no bucket is charged; otherwise
    // every bucket is. An allowlisted client, or a policy without rps/rpm, always passes.
    RateVerdict admit(std::string_view zone, const dialect::RateLimitPolicy& policy,
                      std::string_view client_ip, std::chrono::steady_clock::time_point now);

    // limit_conn: takes one of the client's limit-connections slots in the zone, or returns a
    // slot with the rejection status when all are held. nginx runs limit_req before limit_conn
    // (preaccess handlers run in reverse module order), so call admit() first.
    ConnectionSlot acquireConnection(std::string_view zone, const dialect::RateLimitPolicy& policy,
                                     std::string_view client_ip);

    // For tests, the studio and telemetry.
    std::size_t entries(std::string_view zone, LimitKind kind) const;
    // The bucket's excess decayed to `now` (0 when the client has no entry), in milli-requests.
    std::uint64_t excess(std::string_view zone, LimitKind kind, std::string_view client_ip,
                         std::chrono::steady_clock::time_point now) const;
    int activeConnections(std::string_view zone, std::string_view client_ip) const;

  private:
    struct Bucket {
        std::string key;
        std::int64_t excess = 0;   // milli-requests
        std::int64_t last_ms = 0;  // when the excess was last stored
    };
    // nginx's rbtree + LRU queue: most recently used at the front.
    struct BucketTable {
        std::list<Bucket> lru;
        std::int64_t rate = 0;  // milli-requests per second, as last configured
        std::unordered_map<std::string_view, std::list<Bucket>::iterator> index;
    };
    struct Zone {
        BucketTable rps, rpm;
        ConnectionSlot::Counts connections;
    };
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };

    Zone& zone(std::string_view name);
    const Zone* findZone(std::string_view name) const;
    void insert(BucketTable& table, std::string_view key, std::int64_t excess, std::int64_t now_ms,
                std::int64_t rate);
    void expire(BucketTable& table, std::int64_t now_ms, std::int64_t rate, bool force);

    RateLimiterOptions options_;
    std::unordered_map<std::string, Zone, StringHash, std::equal_to<>> zones_;
};

}  // namespace ilab::proxy
