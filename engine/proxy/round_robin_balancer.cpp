// load-balance: round_robin, the default (ingress-nginx's balancer/round_robin.lua).
#include <string>

#include "engine/proxy/balancer_policies.h"

namespace ilab::proxy {
namespace {

using detail::kNone;
using detail::noPick;

// balancer/round_robin.lua over resty.roundrobin: with equal weights, each endpoint in turn,
// starting at a random one (so nginx workers do not move in lockstep).
class RoundRobinBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    BalancerKind kind() const override { return BalancerKind::RoundRobin; }

    Pick pick(const PickContext&) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        const std::size_t index = next_ % keys_.size();
        next_ = index + 1;
        last_key_ = keys_[index];
        return pickAt(index, "round robin");
    }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        if (keys_.empty()) return;
        if (!started_) {
            next_ = static_cast<std::size_t>(random_.uniform(0, keys_.size() - 1));
            started_ = true;
            return;
        }
        // Carry on after the endpoint served last, so a readiness flap neither restarts the
        // rotation nor skips anyone.
        const std::size_t at = indexOf(last_key_);
        if (at != kNone) next_ = at + 1;
    }

  private:
    std::size_t next_ = 0;
    bool started_ = false;
    std::string last_key_;
};

}  // namespace

std::unique_ptr<Balancer> detail::makeRoundRobinBalancer(std::string backend_id,
                                                         BalancerConfig config,
                                                         core::Random& random) {
    return std::make_unique<RoundRobinBalancer>(std::move(backend_id), std::move(config), random);
}

}  // namespace ilab::proxy
