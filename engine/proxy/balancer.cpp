// What every balancing policy shares: names (endpoint, upstream, affinity backend key), MD5,
// BalancerConfig, the Balancer base class, makeBalancer and BalancerSet. Each policy lives in
// its own file (listed in balancer_policies.h); RequestView and hash keys in hash_key.cpp.
#include "engine/proxy/balancer.h"

#include <algorithm>
#include <array>
#include <cassert>

#include <openssl/evp.h>

#include "engine/proxy/balancer_policies.h"

namespace ilab::proxy {
namespace {

const std::vector<cluster::Endpoint>& emptyList() {
    static const std::vector<cluster::Endpoint> empty;
    return empty;
}

}  // namespace

// --- Shared with the policies ---------------------------------------------------------------

namespace detail {

Pick noPick(std::string note) {
    Pick pick;
    pick.note = std::move(note);
    return pick;
}

bool contains(std::span<const std::string> keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// sticky.lua get_cookie_parsed: split on '|' skipping empty chunks (util/split.lua); the first
// chunk names the endpoint, the second the backend.
CookieValue parseCookie(std::string_view value) {
    CookieValue out;
    int chunk = 0;
    std::size_t start = 0;
    while (start <= value.size() && chunk < 2) {
        const auto end = std::min(value.find('|', start), value.size());
        if (end > start) {
            (chunk == 0 ? out.upstream_key : out.backend_key) = value.substr(start, end - start);
            ++chunk;
        }
        start = end + 1;
    }
    return out;
}

}  // namespace detail

// --- Names and hashes -----------------------------------------------------------------------

std::string endpointKey(const cluster::Endpoint& endpoint) {
    const bool v6 = endpoint.ip.find(':') != std::string::npos;
    return (v6 ? "[" + endpoint.ip + "]" : endpoint.ip) + ":" + std::to_string(endpoint.port);
}

std::string upstreamName(std::string_view backend_id) {
    std::string name(backend_id);
    const auto slash = name.find('/');
    if (slash != std::string::npos) name[slash] = '-';
    const auto colon = name.rfind(':');
    if (colon != std::string::npos) name[colon] = '-';
    return name;
}

std::string affinityBackendKey(std::string_view backend_id) {
    const std::string name = upstreamName(backend_id);
    return md5Hex(md5Hex(name) + name);
}

std::string md5Hex(std::string_view data) {
    // Fetched once: OpenSSL 3's implicit fetch by EVP_md5() on every call costs more than
    // hashing a short name (see engine/dialect/htpasswd.cpp). The default provider always has
    // MD5; only a FIPS-only configuration lacks it.
    static EVP_MD* const kMd5 = EVP_MD_fetch(nullptr, "MD5", nullptr);  // kept for good
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    const bool ok =
        kMd5 && EVP_Digest(data.data(), data.size(), digest.data(), &length, kMd5, nullptr) == 1;
    assert(ok && length == 16);
    if (!ok) return {};
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0x0f];
    }
    return out;
}

std::string_view balancerKindName(BalancerKind kind) {
    switch (kind) {
        case BalancerKind::RoundRobin:
            return "round_robin";
        case BalancerKind::Ewma:
            return "ewma";
        case BalancerKind::ConsistentHash:
            return "chash";
        case BalancerKind::ConsistentHashSubset:
            return "chashsubset";
        case BalancerKind::StickyBalanced:
            return "sticky_balanced";
        case BalancerKind::StickyPersistent:
            return "sticky_persistent";
    }
    return "round_robin";
}

BalancerKind BalancerConfig::kind() const {
    if (affinity.cookie)
        return affinity.mode == "persistent" ? BalancerKind::StickyPersistent
                                             : BalancerKind::StickyBalanced;
    if (load_balance.hash_by && !load_balance.hash_by->empty())
        return load_balance.hash_by_subset ? BalancerKind::ConsistentHashSubset
                                           : BalancerKind::ConsistentHash;
    const std::string& name = load_balance.algorithm;
    if (name == "ewma") return BalancerKind::Ewma;
    if (name == "chash") return BalancerKind::ConsistentHash;
    if (name == "chashsubset") return BalancerKind::ConsistentHashSubset;
    if (name == "sticky_balanced") return BalancerKind::StickyBalanced;
    if (name == "sticky_persistent") return BalancerKind::StickyPersistent;
    return BalancerKind::RoundRobin;
}

bool BalancerConfig::sticky() const {
    const BalancerKind k = kind();
    return k == BalancerKind::StickyBalanced || k == BalancerKind::StickyPersistent;
}

BalancerConfig canaryBalancerConfig(const BalancerConfig& main, const BalancerConfig& canary_own,
                                    dialect::AffinityCanaryBehavior behavior) {
    BalancerConfig config = canary_own;
    // The whole SessionAffinity is copied, so a main backend without affinity also takes the
    // canary's own away.
    if (behavior != dialect::AffinityCanaryBehavior::Legacy) config.affinity = main.affinity;
    return config;
}

std::string_view affinityPinName(AffinityPin pin) {
    switch (pin) {
        case AffinityPin::None:
            return "none";
        case AffinityPin::Main:
            return "main";
        case AffinityPin::Canary:
            return "canary";
    }
    return "none";
}

// --- Balancer ---------------------------------------------------------------------------------

Balancer::Balancer(std::string backend_id, BalancerConfig config, core::Random& random)
    : backend_id_(std::move(backend_id)), config_(std::move(config)), random_(random) {}

void Balancer::sync(const EndpointList& endpoints, SteadyTime now) {
    if (synced_ && endpoints == endpoints_) return;
    synced_ = true;
    std::vector<std::string> keys;
    if (endpoints) {
        keys.reserve(endpoints->size());
        for (const cluster::Endpoint& e : *endpoints)
            keys.push_back(endpointKey(e));
    }
    endpoints_ = endpoints;
    if (keys == keys_) return;  // a new snapshot of the same endpoints
    std::vector<std::string> old = std::move(keys_);
    keys_ = std::move(keys);
    onEndpointsChanged(old, now);
}

const std::vector<cluster::Endpoint>& Balancer::endpoints() const {
    return endpoints_ ? *endpoints_ : emptyList();
}

void Balancer::record(std::string_view, std::chrono::duration<double>, SteadyTime) {}

double Balancer::score(std::string_view, SteadyTime) const {
    return 0;
}

bool Balancer::isAffinitized(const RequestView& request) const {
    if (!config_.sticky()) return false;
    const auto value = request.cookie(config_.affinity.cookie_name);
    if (!value) return false;
    if (backend_key_.empty()) backend_key_ = affinityBackendKey(backend_id_);
    return detail::parseCookie(*value).backend_key == backend_key_;
}

Pick Balancer::pickAt(std::size_t index, std::string note) const {
    Pick pick;
    if (index >= keys_.size()) {
        pick.note = std::move(note);
        return pick;
    }
    pick.endpoint = &(*endpoints_)[index];
    pick.list = endpoints_;
    pick.index = index;
    pick.endpoint_key = keys_[index];
    pick.note = std::move(note);
    return pick;
}

std::size_t Balancer::indexOf(std::string_view key) const {
    const auto it = std::find(keys_.begin(), keys_.end(), key);
    return it == keys_.end() ? detail::kNone : static_cast<std::size_t>(it - keys_.begin());
}

std::unique_ptr<Balancer> makeBalancer(std::string backend_id, BalancerConfig config,
                                       core::Random& random) {
    switch (config.kind()) {
        case BalancerKind::RoundRobin:
            return detail::makeRoundRobinBalancer(std::move(backend_id), std::move(config), random);
        case BalancerKind::Ewma:
            return detail::makeEwmaBalancer(std::move(backend_id), std::move(config), random);
        case BalancerKind::ConsistentHash:
            return detail::makeConsistentHashBalancer(std::move(backend_id), std::move(config),
                                                      random);
        case BalancerKind::ConsistentHashSubset:
            return detail::makeConsistentHashSubsetBalancer(std::move(backend_id),
                                                            std::move(config), random);
        case BalancerKind::StickyBalanced:
            return detail::makeStickyBalancedBalancer(std::move(backend_id), std::move(config),
                                                      random);
        case BalancerKind::StickyPersistent:
            return detail::makeStickyPersistentBalancer(std::move(backend_id), std::move(config),
                                                        random);
    }
    return nullptr;
}

// --- BalancerSet ------------------------------------------------------------------------------

Balancer& BalancerSet::balancer(std::string_view backend_id, const BalancerConfig& config) {
    auto it = balancers_.find(backend_id);
    if (it != balancers_.end()) {
        Balancer& existing = *it->second;
        const bool same = existing.kind() == config.kind() &&
                          (config.kind() != BalancerKind::ConsistentHashSubset ||
                           existing.config().load_balance.hash_by_subset_size ==
                               config.load_balance.hash_by_subset_size);
        if (same) {
            existing.updateConfig(config);
            return existing;
        }
        it->second = makeBalancer(std::string(backend_id), config, random_);
        return *it->second;
    }
    auto made = makeBalancer(std::string(backend_id), config, random_);
    Balancer& ref = *made;
    balancers_.emplace(std::string(backend_id), std::move(made));
    return ref;
}

Pick BalancerSet::pick(std::string_view backend_id, const BalancerConfig& config,
                       const EndpointList& endpoints, const PickContext& context) {
    Balancer& b = balancer(backend_id, config);
    b.sync(endpoints, context.now);
    return b.pick(context);
}

void BalancerSet::record(std::string_view backend_id, std::string_view endpoint_key,
                         std::chrono::duration<double> rtt, SteadyTime now) {
    const auto it = balancers_.find(backend_id);
    if (it != balancers_.end()) it->second->record(endpoint_key, rtt, now);
}

AffinityPin BalancerSet::affinityPin(const RequestView& request, std::string_view main_id,
                                     const BalancerConfig& main, std::string_view canary_id,
                                     const BalancerConfig& canary) const {
    const auto pinned = [&](std::string_view id, const BalancerConfig& config) {
        if (!config.sticky()) return false;
        const auto value = request.cookie(config.affinity.cookie_name);
        if (!value) return false;
        auto it = backend_keys_.find(id);
        if (it == backend_keys_.end())
            it = backend_keys_.emplace(std::string(id), affinityBackendKey(id)).first;
        return detail::parseCookie(*value).backend_key == it->second;
    };
    if (pinned(main_id, main)) return AffinityPin::Main;
    if (pinned(canary_id, canary)) return AffinityPin::Canary;
    return AffinityPin::None;
}

}  // namespace ilab::proxy
