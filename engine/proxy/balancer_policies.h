#pragma once
// Internal to engine/proxy, never included outside it: what balancer.cpp (the Balancer base,
// makeBalancer, BalancerSet) shares with the balancing policies, one per file, each after one of
// ingress-nginx's rootfs/etc/nginx/lua/balancer/*.lua files:
//   round_robin_balancer.cpp      round_robin.lua
//   ewma_balancer.cpp             ewma.lua
//   consistent_hash_balancer.cpp  chash.lua, chashsubset.lua
//   sticky_balancer.cpp           sticky.lua, sticky_balanced.lua, sticky_persistent.lua
// and hash_ring.cpp, the consistent-hash ring three of them use.
//
// Threads: as balancer.h, none (one event-loop thread).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/random.h"
#include "engine/proxy/balancer.h"

namespace ilab::proxy::detail {

// "Not found": what Balancer::indexOf, HashRing::find and the sticky lookups return.
inline constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// A Pick without an endpoint; the note says why, for the decision trace.
Pick noPick(std::string note);
bool contains(std::span<const std::string> keys, std::string_view key);

// An affinity cookie's value "<endpoint key>|<backend key>", split.
struct CookieValue {
    std::string_view upstream_key, backend_key;
};
CookieValue parseCookie(std::string_view value);

// lua-resty-balancer's resty.chash, which ingress-nginx's chash, chashsubset and
// sticky_balanced balancers use: 160 points per node (weight 1); point i of node `id` is
// crc32(id .. le32(point i-1)), point -1 being 0; a key goes to the first point whose hash is at
// least crc32(key), wrapping to the first point. The same ring as nginx's own `hash ...
// consistent` (ketama), so keys move only between the nodes that changed.
class HashRing {
  public:
    static constexpr std::uint32_t kPointsPerNode = 160;

    // Replaces the ring with one over `ids`; node i is ids[i].
    void build(const std::vector<std::string>& ids);
    // The node a key lands on; kNone for an empty ring.
    std::size_t find(std::string_view key) const;

  private:
    struct Point {
        std::uint32_t hash;
        std::uint32_t node;
    };
    std::vector<Point> points_;
};

// One factory per policy, called by makeBalancer; the arguments are Balancer's.
std::unique_ptr<Balancer> makeRoundRobinBalancer(std::string backend_id, BalancerConfig config,
                                                 core::Random& random);
std::unique_ptr<Balancer> makeEwmaBalancer(std::string backend_id, BalancerConfig config,
                                           core::Random& random);
std::unique_ptr<Balancer> makeConsistentHashBalancer(std::string backend_id, BalancerConfig config,
                                                     core::Random& random);
std::unique_ptr<Balancer> makeConsistentHashSubsetBalancer(std::string backend_id,
                                                           BalancerConfig config,
                                                           core::Random& random);
std::unique_ptr<Balancer> makeStickyBalancedBalancer(std::string backend_id, BalancerConfig config,
                                                     core::Random& random);
std::unique_ptr<Balancer> makeStickyPersistentBalancer(std::string backend_id,
                                                       BalancerConfig config, core::Random& random);

}  // namespace ilab::proxy::detail
