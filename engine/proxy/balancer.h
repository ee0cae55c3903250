#pragma once
// Choosing an endpoint for a backend, the way ingress-nginx's Lua balancers do it
// (rootfs/etc/nginx/lua/balancer.lua and balancer/*.lua): round robin, EWMA, consistent hashing
// for upstream-hash-by and its subset mode, and cookie affinity (balanced and persistent).
//
// Pure and deterministic: time and randomness are injected (a steady_clock time point, a wall
// clock in seconds for cookie Expires, a core::Random). No Asio, no sockets.
//
// Threads: none of these classes is thread-safe. The proxy runs its event loop on one thread
// (like the single nginx worker it is compared with) and owns one BalancerSet there.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/core/random.h"
#include "engine/dialect/policies.h"
#include "engine/routing/request.h"

namespace ilab::proxy {

using SteadyTime = std::chrono::steady_clock::time_point;
using EndpointList = std::shared_ptr<const std::vector<cluster::Endpoint>>;

// The request facts a hash key or an affinity cookie reads. Views only: the request it was made
// from must outlive it.
struct RequestView {
    std::string_view method = "GET";
    std::string_view scheme = "http";
    std::string_view host;         // the Host header as sent (may carry a port)
    std::string_view request_uri;  // $request_uri: path and query as sent
    std::string_view uri;          // $uri: the path the location works on (after any rewrite)
    std::string_view args;         // $args: the query, without '?'
    std::string_view remote_addr;  // client address, text form
    const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // without Host

    // uri and args are split from the request-target; uri is not percent-decoded.
    static RequestView from(const routing::Request& request);
    // First value of a header, case-insensitively.
    std::optional<std::string_view> header(std::string_view name) const;
    // A cookie's value from the Cookie header(s), as nginx's $cookie_NAME reads it.
    std::optional<std::string_view> cookie(std::string_view name) const;
};

// Expands an upstream-hash-by value the way ingress-nginx's util.parse_complex_value and
// generate_var_value do: $var and ${var} are replaced, text is kept, unknown variables are
// empty. Known: $request_uri, $uri, $document_uri, $args, $query_string, $arg_NAME, $host,
// $remote_addr, $binary_remote_addr (4 or 16 raw bytes), $scheme, $request_method,
// $cookie_NAME, $http_NAME.
std::string expandHashKey(std::string_view pattern, const RequestView& request);

// "ip:port" (IPv6 in brackets): how ingress-nginx names an endpoint (util.get_nodes).
std::string endpointKey(const cluster::Endpoint& endpoint);
// "ns/service:port" → "ns-service-port", ingress-nginx's upstream (backend) name.
std::string upstreamName(std::string_view backend_id);
// The backend half of an affinity cookie: md5(md5(name) .. name) in hex over the upstream name
// (balancer/sticky.lua sync), so the lab's cookies name a backend as a real controller's do.
std::string affinityBackendKey(std::string_view backend_id);

// Lower-case hex MD5 and the CRC-32 nginx uses (ngx_crc32_long); exposed for the tests.
std::string md5Hex(std::string_view data);
std::uint32_t crc32(std::string_view data);

// nginx's cookie date: "Thu, 18-Dec-25 12:00:00 GMT" (ngx_http_cookie_time: two-digit years up
// to 2037, four after).
std::string cookieTime(std::int64_t unix_seconds);
// ingress-nginx's util/same_site.lua: user agents known to reject SameSite=None.
bool sameSiteNoneCompatible(std::string_view user_agent);

enum class BalancerKind {
    RoundRobin,            // load-balance: round_robin (the default)
    Ewma,                  // load-balance: ewma
    ConsistentHash,        // upstream-hash-by
    ConsistentHashSubset,  // upstream-hash-by + upstream-hash-by-subset
    StickyBalanced,        // affinity: cookie (affinity-mode balanced)
    StickyPersistent,      // affinity: cookie + affinity-mode: persistent
};
std::string_view balancerKindName(BalancerKind kind);  // ingress-nginx's names: "chash", ...

// What decides a backend's balancer: the load-balance and affinity policies of the Ingress that
// owns the backend's upstream settings (the first one processed, in ingress-nginx).
struct BalancerConfig {
    dialect::LoadBalancePolicy load_balance;
    dialect::AffinityPolicy affinity;

    // balancer.lua get_implementation: affinity cookie > upstream-hash-by > load-balance;
    // unknown names fall back to round robin.
    BalancerKind kind() const;
    bool sticky() const;
};

// The configuration a canary backend balances with. affinity-canary-behavior sticky (the
// default): the canary takes the main backend's whole affinity configuration, none included
// (controller.go mergeAlternativeBackend copies it), so one cookie keeps a session on whichever
// side it started. legacy: the canary keeps its own settings.
BalancerConfig canaryBalancerConfig(const BalancerConfig& main, const BalancerConfig& canary_own,
                                    dialect::AffinityCanaryBehavior behavior);

// Where the affinity cookie may be issued, and its request-dependent attributes.
struct CookieSite {
    // This location's Ingress declares affinity: cookie. ingress-nginx issues the cookie only
    // there; other Ingresses sharing the backend are balanced without one (B10).
    bool issue = false;
    std::string_view location_path;  // the Ingress path: the default cookie Path
    bool https = false;              // Secure is added on HTTPS whatever session-cookie-secure says
};

struct PickContext {
    const RequestView* request = nullptr;  // hash keys and the affinity cookie; null: neither
    SteadyTime now{};                      // EWMA decay
    std::int64_t unix_seconds = 0;         // wall clock for the cookie's Expires (ngx.time())
    // Endpoint keys this request already tried, oldest first. Non-empty means the previous
    // try failed: EWMA skips them, affinity re-picks with session-cookie-change-on-failure.
    std::span<const std::string> tried;
    CookieSite cookie;
};

struct Pick {
    const cluster::Endpoint* endpoint = nullptr;  // into `list`; null: none (503/502)
    EndpointList list;                            // keeps *endpoint alive past later syncs
    std::size_t index = 0;                        // position in that list
    std::string endpoint_key;                     // "ip:port"
    std::optional<std::string> set_cookie;        // a Set-Cookie value for the response
    std::string note;                             // one line for the decision trace
};

// One backend's balancer. Created by BalancerSet; state (rotation, EWMA scores, rings) lives
// here and survives endpoint-list changes the way ingress-nginx's sync() keeps it.
class Balancer {
  public:
    Balancer(std::string backend_id, BalancerConfig config, core::Random& random);
    virtual ~Balancer() = default;
    Balancer(const Balancer&) = delete;
    Balancer& operator=(const Balancer&) = delete;

    virtual BalancerKind kind() const = 0;
    const std::string& backendId() const { return backend_id_; }
    const BalancerConfig& config() const { return config_; }
    // Takes new cookie attributes without losing state (the kind must not change).
    void updateConfig(BalancerConfig config) { config_ = std::move(config); }

    // Adopts the current ready endpoints. Cheap when the list is the same snapshot or has the
    // same endpoints; otherwise the balancer rebuilds what depends on the set.
    void sync(const EndpointList& endpoints, SteadyTime now);
    const std::vector<cluster::Endpoint>& endpoints() const;
    // Chooses from the synced list. Never throws; an empty list gives an empty Pick.
    virtual Pick pick(const PickContext& context) = 0;
    // A finished try: connect + response time (ewma.lua after_balance). Only EWMA uses it.
    virtual void record(std::string_view endpoint_key, std::chrono::duration<double> rtt,
                        SteadyTime now);
    // EWMA: the endpoint's average response time in seconds, decayed to `now` (0 when unknown);
    // what a pick compares. Other balancers: 0.
    virtual double score(std::string_view endpoint_key, SteadyTime now) const;
    // The request's affinity cookie names this backend (sticky.lua is_affinitized).
    bool isAffinitized(const RequestView& request) const;

  protected:
    virtual void onEndpointsChanged(const std::vector<std::string>& old_keys, SteadyTime now) = 0;
    Pick pickAt(std::size_t index, std::string note) const;
    std::size_t indexOf(std::string_view key) const;  // npos when absent

    std::string backend_id_;
    BalancerConfig config_;
    core::Random& random_;
    EndpointList endpoints_;
    bool synced_ = false;
    std::vector<std::string> keys_;    // endpointKey of each endpoint, same order
    mutable std::string backend_key_;  // affinityBackendKey(backend_id_), computed once
};

std::unique_ptr<Balancer> makeBalancer(std::string backend_id, BalancerConfig config,
                                       core::Random& random);

// Which side an affinity cookie pins a canaried request to, before the canary's header,
// cookie and weight rules run (balancer.lua route_to_alternative_balancer).
enum class AffinityPin { None, Main, Canary };
std::string_view affinityPinName(AffinityPin pin);

// The per-backend balancers, keyed by backend id "ns/service:port". A backend whose algorithm
// changes gets a fresh balancer ("LB algorithm changed, resetting the instance").
class BalancerSet {
  public:
    explicit BalancerSet(core::Random& random) : random_(random) {}

    Balancer& balancer(std::string_view backend_id, const BalancerConfig& config);
    // balancer(), sync(), pick() in one call: what the proxy does per try.
    Pick pick(std::string_view backend_id, const BalancerConfig& config,
              const EndpointList& endpoints, const PickContext& context);
    // Feeds a finished try to the backend's balancer (EWMA); ignored for unknown backends.
    void record(std::string_view backend_id, std::string_view endpoint_key,
                std::chrono::duration<double> rtt, SteadyTime now);
    // Main is checked first: a cookie issued by the main backend keeps the request there.
    // `canary` is the canary backend's effective config (see canaryBalancerConfig).
    AffinityPin affinityPin(const RequestView& request, std::string_view main_id,
                            const BalancerConfig& main, std::string_view canary_id,
                            const BalancerConfig& canary) const;
    // Drops balancers of backends no route table uses any more.
    template <typename Keep>
    void retainIf(Keep keep) {
        std::erase_if(balancers_, [&](const auto& entry) { return !keep(entry.first); });
    }
    std::size_t size() const { return balancers_.size(); }

  private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    core::Random& random_;
    std::unordered_map<std::string, std::unique_ptr<Balancer>, StringHash, std::equal_to<>>
        balancers_;
    mutable std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> backend_keys_;
};

}  // namespace ilab::proxy
