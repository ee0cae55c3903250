#pragma once
// What the topology view draws: clients -> controller -> Ingress rules -> Services -> pods, as
// plain data built from the running RouteTable and the cluster's pod list, plus the live
// figures laid over it (per-edge rate, errors and p99; per-node health; request flows).
// GUI-thread values; no Qt, so the builders are unit-tested without a display.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/routing/route_table.h"
#include "engine/telemetry/request_event.h"

namespace ilab::workbench {

enum class NodeKind { Client, Controller, Rule, Service, Pod };

// Kiali's default traffic health (kiali.io/docs/configuration/health): 5xx at or above 0.1 %
// is Degraded, above 10 % Failure; 4xx above 10 % Degraded, above 20 % Failure.
enum class Health { Idle, Healthy, Degraded, Failure };
Health healthFor(double requests, double errors_5xx, double errors_4xx);

// Node ids: "client", "controller" (the lab's first controller; the others
// "controller:<name>"), "rule:<ns>/<ingress>|<server>|<path>", "svc:<ns>/<name>",
// "pod:<ns>/<name>".
struct TopologyNode {
    std::string id;
    NodeKind kind = NodeKind::Pod;
    std::string label;   // short, drawn in the node ("shop.example.com /api", "web", "web-7d4-x2")
    std::string detail;  // tooltip: several lines
    // Rules and Services: why it cannot serve ("no ready endpoints"); "" when it can.
    std::string problem;
    // Pods.
    std::string ns;
    std::string owner_kind, owner_name;  // "Deployment", "web": fault targets for the workload
    std::string phase;                   // "Running", "CrashLoopBackOff", ...
    bool ready = true;
    int restarts = 0;
    std::vector<std::string> faults;  // active faults, one line each
    std::vector<std::uint64_t> fault_ids;
};

struct TopologyEdge {
    std::string from, to;
    bool canary = false;                       // rule -> canary Service
    std::optional<double> configured_percent;  // weighted canary split (both sides of it)
};

struct TopologyGraph {
    std::vector<TopologyNode> nodes;  // in layout order within each kind
    std::vector<TopologyEdge> edges;
    const TopologyNode* find(const std::string& id) const;
};

// Live figures for one edge over the last few seconds.
struct EdgeStats {
    double rate = 0;           // requests per second
    double error_percent = 0;         // 5xx share (no answer counts as one)
    double client_error_percent = 0;  // 4xx share: a 404-heavy edge is not a healthy one
    double p99_ms = 0;
    std::optional<double> observed_percent;  // canary split edges: share actually served
    Health health = Health::Idle;
};
using EdgeKey = std::pair<std::string, std::string>;  // (from, to)

// One request to animate: the node ids it passed, in order.
struct Flow {
    std::vector<std::string> path;
    int status_class = 0;  // telemetry::statusClass(); 0: no answer
    double latency_ms = 0;
};

// One controller of the lab and the table it serves, for a topology with several.
struct ControllerRoutes {
    std::string name;  // lab::RunningController::name, as its events say it
    std::shared_ptr<const routing::RouteTable> table;
};
using LabRoutes = std::vector<ControllerRoutes>;  // the lab's first controller first

std::string controllerNodeId(const LabRoutes& routes, const std::string& name);
std::string ruleNodeId(const std::string& ingress, const std::string& server,
                       const std::string& path);
std::string serviceNodeId(const std::string& ns, const std::string& name);
std::string podNodeId(const std::string& ns, const std::string& name);

// The graph of a table and the cluster's pods. Pods that no routed Service selects are still
// shown (unattached), so a fault on them can be seen and undone. `fault_text` describes active
// faults by id (what the studio injected); others show as "fault #id".
TopologyGraph buildTopology(const routing::RouteTable& table,
                            const std::vector<cluster::PodStatus>& pods,
                            const std::map<std::uint64_t, std::string>& fault_text = {});
// Several controllers in front of the same Services: one controller node each, edges to the
// rules each one serves (a rule both serve is one node).
TopologyGraph buildTopology(const LabRoutes& routes, const std::vector<cluster::PodStatus>& pods,
                            const std::map<std::uint64_t, std::string>& fault_text = {});

// A weighted canary split as configured, to set against what was served.
struct CanarySplit {
    std::string main_service, canary_service;  // "ns/name"
    double configured_percent = 0;
};
std::vector<CanarySplit> canarySplits(const TopologyGraph& graph);

// "+1 rule, −2 pods": what changed between two graphs, for a status line after an apply.
std::string describeChange(const TopologyGraph& before, const TopologyGraph& after);

// The node path of one finished request through `graph` (client, controller, rule, Service,
// pod, as far as it got).
Flow flowFor(const telemetry::RequestEvent& event, const routing::RouteTable& table);
// Through the controller that answered (RequestEvent::controller), by its table.
Flow flowFor(const telemetry::RequestEvent& event, const LabRoutes& routes);

}  // namespace ilab::workbench
