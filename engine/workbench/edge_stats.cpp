#include "engine/workbench/edge_stats.h"

#include <chrono>

namespace ilab::workbench {

void EdgeStatsWindow::count(Tally& tally, const Flow& flow) {
    ++tally.requests;
    tally.errors_5xx += flow.status_class == 5 || flow.status_class == 0;
    tally.errors_4xx += flow.status_class == 4;
    tally.latency.record(std::chrono::microseconds(static_cast<long long>(flow.latency_ms * 1000)));
}

void EdgeStatsWindow::add(const Flow& flow, std::int64_t second) {
    if (seconds_.empty() || seconds_.back().second < second) {
        seconds_.push_back({second, {}, {}});
        while (seconds_.size() > static_cast<std::size_t>(window_seconds_) + 1) seconds_.pop_front();
    }
    // A late flow for an older second still in the window lands there.
    Second* bucket = &seconds_.back();
    for (auto it = seconds_.rbegin(); it != seconds_.rend(); ++it)
        if (it->second <= second) {
            bucket = &*it;
            break;
        }
    for (std::size_t i = 0; i + 1 < flow.path.size(); ++i)
        count(bucket->edges[{flow.path[i], flow.path[i + 1]}], flow);
    for (const auto& node : flow.path) count(bucket->nodes[node], flow);
}

template <class Key>
std::map<Key, EdgeStatsWindow::Tally> EdgeStatsWindow::sum(std::map<Key, Tally> Second::*member,
                                                           std::int64_t now_second) const {
    std::map<Key, Tally> total;
    for (const auto& s : seconds_) {
        if (s.second <= now_second - window_seconds_ || s.second > now_second) continue;
        for (const auto& [key, tally] : s.*member) {
            Tally& t = total[key];
            t.requests += tally.requests;
            t.errors_5xx += tally.errors_5xx;
            t.errors_4xx += tally.errors_4xx;
            t.latency.merge(tally.latency);
        }
    }
    return total;
}

std::map<EdgeKey, EdgeStats> EdgeStatsWindow::edgeStats(const TopologyGraph& graph,
                                                        std::int64_t now_second) const {
    const auto tallies = sum(&Second::edges, now_second);
    std::map<EdgeKey, EdgeStats> out;
    // Requests over the edges of each weighted split, for the observed shares.
    std::map<std::string, std::uint64_t> split_totals;
    for (const auto& e : graph.edges) {
        if (!e.configured_percent) continue;
        if (auto it = tallies.find({e.from, e.to}); it != tallies.end())
            split_totals[e.from] += it->second.requests;
    }
    for (const auto& e : graph.edges) {
        EdgeStats s;
        const auto it = tallies.find({e.from, e.to});
        if (it != tallies.end()) {
            const Tally& t = it->second;
            const auto n = static_cast<double>(t.requests);
            s.rate = n / window_seconds_;
            s.error_percent = n > 0 ? 100.0 * static_cast<double>(t.errors_5xx) / n : 0;
            s.client_error_percent = n > 0 ? 100.0 * static_cast<double>(t.errors_4xx) / n : 0;
            s.p99_ms = static_cast<double>(t.latency.percentile(99).count()) / 1000.0;
            s.health = healthFor(n, static_cast<double>(t.errors_5xx),
                                 static_cast<double>(t.errors_4xx));
        }
        if (e.configured_percent) {
            const auto total = split_totals[e.from];
            if (total > 0)
                s.observed_percent =
                    100.0 * static_cast<double>(it == tallies.end() ? 0 : it->second.requests) /
                    static_cast<double>(total);
        }
        out[{e.from, e.to}] = s;
    }
    return out;
}

std::map<std::string, Health> EdgeStatsWindow::nodeHealth(std::int64_t now_second) const {
    std::map<std::string, Health> out;
    for (const auto& [node, t] : sum(&Second::nodes, now_second))
        out[node] = healthFor(static_cast<double>(t.requests), static_cast<double>(t.errors_5xx),
                              static_cast<double>(t.errors_4xx));
    return out;
}

}  // namespace ilab::workbench
