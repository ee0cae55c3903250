// upstream-hash-by, alone (ingress-nginx's balancer/chash.lua) and with
// upstream-hash-by-subset (balancer/chashsubset.lua), both on resty.chash's ring (HashRing).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/proxy/balancer_policies.h"

namespace ilab::proxy {
namespace {

using detail::HashRing;
using detail::noPick;

// A key for a trace line: raw bytes ($binary_remote_addr) shown as \xNN.
std::string printable(std::string_view key) {
    std::string out;
    for (const char c : key) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        }
    }
    return out;
}

// balancer/chash.lua: upstream-hash-by expanded per request and looked up on the ring of
// endpoint keys. Retries hash to the same endpoint, as in ingress-nginx.
class ConsistentHashBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    BalancerKind kind() const override { return BalancerKind::ConsistentHash; }

    Pick pick(const PickContext& context) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        const std::string key = context.request ? expandHashKey(hashBy(), *context.request) : "";
        return pickAt(ring_.find(key), "upstream-hash-by " + hashBy() + " = \"" + printable(key) +
                                           "\": consistent hash");
    }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        ring_.build(keys_);
    }

  private:
    std::string hashBy() const { return config_.load_balance.hash_by.value_or(""); }
    HashRing ring_;
};

// balancer/chashsubset.lua: endpoints in list order are cut into subsets of
// upstream-hash-by-subset-size (the last one padded with the first endpoints); the key picks a
// subset on the ring of "set1".."setN", then a random member serves.
class ConsistentHashSubsetBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    BalancerKind kind() const override { return BalancerKind::ConsistentHashSubset; }

    Pick pick(const PickContext& context) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        const std::string hash_by = config_.load_balance.hash_by.value_or("");
        const std::string key = context.request ? expandHashKey(hash_by, *context.request) : "";
        const std::size_t set = ring_.find(key);
        const std::vector<std::size_t>& members = subsets_[set];
        const auto member = static_cast<std::size_t>(random_.uniform(0, members.size() - 1));
        return pickAt(members[member], "upstream-hash-by " + hash_by + " = \"" + printable(key) +
                                           "\": subset " + std::to_string(set + 1) + " of " +
                                           std::to_string(subsets_.size()) + ", random member");
    }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        subsets_.clear();
        std::vector<std::string> ids;
        if (!keys_.empty()) {
            const std::size_t size =
                static_cast<std::size_t>(std::max(1, config_.load_balance.hash_by_subset_size));
            const std::size_t sets = (keys_.size() + size - 1) / size;
            for (std::size_t s = 0; s < sets; ++s) {
                std::vector<std::size_t> members;
                for (std::size_t m = 0; m < size; ++m)
                    members.push_back((s * size + m) % keys_.size());
                subsets_.push_back(std::move(members));
                ids.push_back("set" + std::to_string(s + 1));
            }
        }
        ring_.build(ids);
    }

  private:
    HashRing ring_;
    std::vector<std::vector<std::size_t>> subsets_;
};

}  // namespace

std::unique_ptr<Balancer> detail::makeConsistentHashBalancer(std::string backend_id,
                                                             BalancerConfig config,
                                                             core::Random& random) {
    return std::make_unique<ConsistentHashBalancer>(std::move(backend_id), std::move(config),
                                                    random);
}

std::unique_ptr<Balancer> detail::makeConsistentHashSubsetBalancer(std::string backend_id,
                                                                   BalancerConfig config,
                                                                   core::Random& random) {
    return std::make_unique<ConsistentHashSubsetBalancer>(std::move(backend_id), std::move(config),
                                                          random);
}

}  // namespace ilab::proxy
