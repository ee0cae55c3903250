#pragma once
// Live figures for the topology's edges and nodes over a sliding window of whole seconds:
// request rate, 5xx share, p99 and Kiali health per edge, health per node, and the observed
// share of each weighted canary split. Fed with the flows of each telemetry batch on the GUI
// thread; reads are cheap enough for every update.
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "engine/workbench/topology.h"
#include "engine/telemetry/latency_histogram.h"

namespace ilab::workbench {

class EdgeStatsWindow {
  public:
    explicit EdgeStatsWindow(int window_seconds = 5) : window_seconds_(window_seconds) {}

    // One request at `second` (any monotonic whole-second clock): counts on every edge and node
    // of its path.
    void add(const Flow& flow, std::int64_t second);
    // Figures over the window ending at `now_second` (that second included).
    std::map<EdgeKey, EdgeStats> edgeStats(const TopologyGraph& graph, std::int64_t now_second) const;
    std::map<std::string, Health> nodeHealth(std::int64_t now_second) const;
    void clear() { seconds_.clear(); }

  private:
    struct Tally {
        std::uint64_t requests = 0, errors_5xx = 0, errors_4xx = 0;
        telemetry::LatencyHistogram latency;
    };
    struct Second {
        std::int64_t second = 0;
        std::map<EdgeKey, Tally> edges;
        std::map<std::string, Tally> nodes;
    };
    static void count(Tally& tally, const Flow& flow);
    template <class Key>
    std::map<Key, Tally> sum(std::map<Key, Tally> Second::*member, std::int64_t now_second) const;

    int window_seconds_;
    std::deque<Second> seconds_;  // ascending
};

}  // namespace ilab::workbench
