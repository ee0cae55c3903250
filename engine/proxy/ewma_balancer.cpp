// load-balance: ewma (ingress-nginx's balancer/ewma.lua).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/proxy/balancer_policies.h"

namespace ilab::proxy {
namespace {

using detail::contains;
using detail::kNone;
using detail::noPick;

// balancer/ewma.lua (ingress-nginx v1.15, after Finagle's PeakEwma): each endpoint keeps an
// exponentially weighted moving average of connect + response time that decays with
// weight exp(-elapsed / 10 s); a pick shuffles two endpoints not yet tried by this request to
// the front ("power of two choices") and takes the one whose average, decayed to now, is lower
// (the first on a tie). Unlike Finagle, ingress-nginx does not multiply by in-flight requests.
class EwmaBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    static constexpr double kDecaySeconds = 10;  // ewma.lua DECAY_TIME
    static constexpr std::size_t kPickSetSize = 2;

    BalancerKind kind() const override { return BalancerKind::Ewma; }

    Pick pick(const PickContext& context) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        if (keys_.size() == 1) return pickAt(0, "ewma: single endpoint");
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (!contains(context.tried, keys_[i])) candidates.push_back(i);
        std::string note = "ewma";
        if (candidates.empty()) {
            note += " (every endpoint already tried)";
            for (std::size_t i = 0; i < keys_.size(); ++i)
                candidates.push_back(i);
        }
        if (candidates.size() == 1)
            return pickAt(candidates.front(), note + ": the only untried endpoint");
        const std::size_t k = std::min(kPickSetSize, candidates.size());
        for (std::size_t i = 0; i < k; ++i)
            std::swap(
                candidates[i],
                candidates[static_cast<std::size_t>(random_.uniform(i, candidates.size() - 1))]);
        std::size_t best = candidates[0];
        double best_score = score(keys_[best], context.now);
        char buf[128];
        std::snprintf(buf, sizeof buf, ": %s %.4fs", keys_[best].c_str(), best_score);
        note += buf;
        for (std::size_t i = 1; i < k; ++i) {
            const double s = score(keys_[candidates[i]], context.now);
            std::snprintf(buf, sizeof buf, " vs %s %.4fs", keys_[candidates[i]].c_str(), s);
            note += buf;
            if (s < best_score) {
                best = candidates[i];
                best_score = s;
            }
        }
        return pickAt(best, note);
    }

    void record(std::string_view endpoint_key, std::chrono::duration<double> rtt,
                SteadyTime now) override {
        // A try that finished after its endpoint left the list would only leave a stale entry.
        if (indexOf(endpoint_key) == kNone) return;
        Stat& stat = stats_[std::string(endpoint_key)];
        stat.ewma = decayed(stat, rtt.count(), now);
        stat.touched = now;
    }

    double score(std::string_view key, SteadyTime now) const override {
        const auto it = stats_.find(std::string(key));
        return it == stats_.end() ? 0.0 : decayed(it->second, 0.0, now);
    }

  protected:
    // ewma.lua sync: forget removed endpoints; start new ones at the average of the others,
    // touched now, so a fresh pod does not look infinitely fast and take every request.
    void onEndpointsChanged(const std::vector<std::string>& old_keys, SteadyTime now) override {
        for (const std::string& key : old_keys)
            if (indexOf(key) == kNone) stats_.erase(key);
        double total = 0;
        std::size_t with_stats = 0;
        for (const std::string& key : keys_) {
            const auto it = stats_.find(key);
            if (it == stats_.end()) continue;
            total += it->second.ewma;
            ++with_stats;
        }
        if (with_stats == 0) return;
        for (const std::string& key : keys_)
            if (std::find(old_keys.begin(), old_keys.end(), key) == old_keys.end())
                stats_[key] = Stat{total / static_cast<double>(with_stats), now};
    }

  private:
    struct Stat {
        double ewma = 0;
        std::optional<SteadyTime> touched;  // never: as if touched at time 0, fully decayed
    };

    static double decayed(const Stat& stat, double rtt, SteadyTime now) {
        double weight = 0;
        if (stat.touched) {
            const double elapsed =
                std::max(0.0, std::chrono::duration<double>(now - *stat.touched).count());
            weight = std::exp(-elapsed / kDecaySeconds);
        }
        return stat.ewma * weight + rtt * (1.0 - weight);
    }

    std::unordered_map<std::string, Stat> stats_;
};

}  // namespace

std::unique_ptr<Balancer> detail::makeEwmaBalancer(std::string backend_id, BalancerConfig config,
                                                   core::Random& random) {
    return std::make_unique<EwmaBalancer>(std::move(backend_id), std::move(config), random);
}

}  // namespace ilab::proxy
