#include "engine/workbench/topology.h"

#include <algorithm>
#include <deque>
#include <iterator>
#include <set>

namespace ilab::workbench {
namespace {

std::string serverLabel(const std::string& server) {
    return server == "_" ? std::string("(any host)") : server;
}

// Adds nodes and edges once each, in the order first seen (the layout order).
class GraphBuilder {
  public:
    explicit GraphBuilder(const std::vector<cluster::PodStatus>& pods) : pods_(pods) {}

    // References stay valid while more nodes are added (a deque), so a caller may fill in a
    // node after adding its children.
    TopologyNode& node(const std::string& id, NodeKind kind) {
        for (auto& n : nodes_)
            if (n.id == id) return n;
        TopologyNode& n = nodes_.emplace_back();
        n.id = id;
        n.kind = kind;
        return n;
    }

    bool has(const std::string& id) const {
        for (const auto& n : nodes_)
            if (n.id == id) return true;
        return false;
    }

    void edge(const std::string& from, const std::string& to, bool canary = false,
              std::optional<double> percent = std::nullopt) {
        for (auto& e : graph_.edges)
            if (e.from == from && e.to == to) return;
        graph_.edges.push_back({from, to, canary, percent});
    }

    // A Service node and its pods; returns the Service's id.
    std::string service(const routing::BackendTarget& backend) {
        const std::string id = serviceNodeId(backend.namespace_, backend.service);
        TopologyNode& s = node(id, NodeKind::Service);
        s.ns = backend.namespace_;
        s.label = backend.service;
        const std::string port = backend.port.name.empty() ? std::to_string(backend.port.number)
                                                           : backend.port.name;
        s.detail = "Service " + backend.namespace_ + "/" + backend.service + "\nport " + port;
        if (!backend.target_port.empty()) s.detail += " -> targetPort " + backend.target_port;
        int ready = 0;
        for (const auto& pod_name : backend.endpoints) {
            const auto* status = findPod(backend.namespace_, pod_name);
            if (!status) continue;
            const std::string pod_id = podNodeId(status->namespace_, status->name);
            pod(*status);
            edge(id, pod_id);
            ready += status->ready;
        }
        s.problem = backend.problem;
        if (s.problem.empty() && ready == 0) s.problem = "no ready endpoints (503)";
        s.detail += "\n" + std::to_string(ready) + (ready == 1 ? " ready endpoint" : " ready endpoints");
        return id;
    }

    void pod(const cluster::PodStatus& status) {
        TopologyNode& p = node(podNodeId(status.namespace_, status.name), NodeKind::Pod);
        p.label = status.name;
        p.ns = status.namespace_;
        p.owner_kind = status.owner_kind;
        p.owner_name = status.owner_name;
        p.phase = std::string(cluster::podPhaseName(status.phase));
        p.ready = status.ready;
        p.restarts = status.restarts;
        p.fault_ids = status.active_faults;
        p.detail = "Pod " + status.namespace_ + "/" + status.name + "\nIP " + status.ip + "\n" +
                   p.phase + (status.ready ? ", ready" : ", not ready") + "\nrestarts " +
                   std::to_string(status.restarts) + ", requests " +
                   std::to_string(status.requests);
        if (!status.owner_name.empty())
            p.detail += "\n" + status.owner_kind + " " + status.owner_name;
        else if (status.owner_kind == "ExternalName")
            p.detail += "\nthe lab's stand-in for the external name " + status.name;
    }

    const cluster::PodStatus* findPod(const std::string& ns, const std::string& name) const {
        for (const auto& p : pods_)
            if (p.namespace_ == ns && p.name == name) return &p;
        return nullptr;
    }

    TopologyGraph take() {
        graph_.nodes.assign(std::make_move_iterator(nodes_.begin()),
                            std::make_move_iterator(nodes_.end()));
        return std::move(graph_);
    }

  private:
    const std::vector<cluster::PodStatus>& pods_;
    std::deque<TopologyNode> nodes_;
    TopologyGraph graph_;  // edges; nodes at take()
};

std::string ruleDetail(const routing::Location& loc, const routing::Server& server) {
    std::string d = "Ingress " + loc.ingress + "\nhost " + serverLabel(server.name) + "\npath " +
                    loc.path + " (" + std::string(model::pathTypeName(loc.path_type)) + ")";
    if (server.tls) d += "\nTLS (" + server.tls_secret + ")";
    if (loc.source.known()) d += "\n" + loc.source.str();
    return d;
}

}  // namespace

Health healthFor(double requests, double errors_5xx, double errors_4xx) {
    if (requests <= 0) return Health::Idle;
    const double p5 = 100.0 * errors_5xx / requests;
    const double p4 = 100.0 * errors_4xx / requests;
    if (p5 > 10 || p4 > 20) return Health::Failure;
    if (p5 >= 0.1 || p4 > 10) return Health::Degraded;
    return Health::Healthy;
}

const TopologyNode* TopologyGraph::find(const std::string& id) const {
    for (const auto& n : nodes)
        if (n.id == id) return &n;
    return nullptr;
}

std::string ruleNodeId(const std::string& ingress, const std::string& server,
                       const std::string& path) {
    return "rule:" + ingress + "|" + server + "|" + path;
}

std::string serviceNodeId(const std::string& ns, const std::string& name) {
    return "svc:" + ns + "/" + name;
}

std::string podNodeId(const std::string& ns, const std::string& name) {
    return "pod:" + ns + "/" + name;
}

std::string controllerNodeId(const LabRoutes& routes, const std::string& name) {
    if (routes.empty() || routes.front().name == name || name.empty()) return "controller";
    return "controller:" + name;
}

namespace {

// One controller's node and its edges to the rules its table serves.
void addController(GraphBuilder& b, const std::string& node_id, const std::string& name,
                   const routing::RouteTable& table) {
    TopologyNode& controller = b.node(node_id, NodeKind::Controller);
    const auto& compiled = table.options();
    const std::string plugin = compiled.controller_id.empty() ? "controller" : compiled.controller_id;
    controller.label = name.empty() ? plugin : name;
    controller.detail = "The lab's controller: " +
                        (compiled.controller_title.empty() ? plugin : compiled.controller_title);
    b.edge("client", node_id);

    for (const auto& server : table.servers()) {
        for (const auto& loc : server.locations) {
            if (loc.ingress.empty()) continue;  // the controller's own 404 backend
            const std::string id = ruleNodeId(loc.ingress, server.name, loc.path);
            const bool known = b.has(id);
            TopologyNode& rule = b.node(id, NodeKind::Rule);
            b.edge(node_id, id);
            if (known) continue;  // another controller drew it and its backends
            rule.label = serverLabel(server.name) + " " + loc.path;
            rule.detail = ruleDetail(loc, server);
            rule.problem = loc.backend.problem;
            std::optional<double> canary_percent;
            if (loc.canary && loc.canary->policy.weight > 0)
                canary_percent = 100.0 * std::min(1.0, loc.canary->policy.weight /
                                                           static_cast<double>(loc.canary->policy
                                                                                   .effectiveWeightTotal()));
            const std::string main = b.service(loc.backend);
            b.edge(id, main, false,
                   canary_percent ? std::optional<double>(100.0 - *canary_percent) : std::nullopt);
            if (loc.canary) {
                const std::string canary = b.service(loc.canary->backend);
                b.edge(id, canary, true, canary_percent);
                rule.detail += "\ncanary: " + loc.canary->ingress;
            }
        }
        if (server.default_backend) {
            const std::string id = ruleNodeId(server.default_backend_ingress, server.name, "");
            const bool known = b.has(id);
            TopologyNode& rule = b.node(id, NodeKind::Rule);
            b.edge(node_id, id);
            if (known) continue;
            rule.label = serverLabel(server.name) + " (default)";
            rule.detail = "Ingress " + server.default_backend_ingress + "\nhost " +
                          serverLabel(server.name) + "\nspec.defaultBackend";
            b.edge(id, b.service(*server.default_backend));
        }
    }
    if (table.catchAll()) {
        const std::string id = ruleNodeId(table.catchAllIngress(), "_", "");
        const bool known = b.has(id);
        TopologyNode& rule = b.node(id, NodeKind::Rule);
        b.edge(node_id, id);
        if (known) return;
        rule.label = "(any host) (default)";
        rule.detail = "Ingress " + table.catchAllIngress() + "\nthe catch-all defaultBackend";
        b.edge(id, b.service(*table.catchAll()));
    }
}

}  // namespace

TopologyGraph buildTopology(const routing::RouteTable& table,
                            const std::vector<cluster::PodStatus>& pods,
                            const std::map<std::uint64_t, std::string>& fault_text) {
    // The table's own copy is not owned here: a non-owning pointer for the one call.
    const LabRoutes routes{{"", std::shared_ptr<const routing::RouteTable>(&table, [](auto*) {})}};
    return buildTopology(routes, pods, fault_text);
}

TopologyGraph buildTopology(const LabRoutes& routes, const std::vector<cluster::PodStatus>& pods,
                            const std::map<std::uint64_t, std::string>& fault_text) {
    GraphBuilder b(pods);
    b.node("client", NodeKind::Client).label = "Clients";
    b.node("client", NodeKind::Client).detail = "The lab's traffic and your requests";
    for (const auto& r : routes)
        if (r.table) addController(b, controllerNodeId(routes, r.name), r.name, *r.table);
    // Pods no routed Service selects: still shown, so their faults can be seen and cleared.
    for (const auto& p : pods) b.pod(p);
    TopologyGraph graph = b.take();
    for (auto& n : graph.nodes)
        for (const auto id : n.fault_ids) {
            const auto it = fault_text.find(id);
            n.faults.push_back(it != fault_text.end() ? it->second
                                                      : "fault #" + std::to_string(id));
        }
    return graph;
}

std::vector<CanarySplit> canarySplits(const TopologyGraph& graph) {
    std::vector<CanarySplit> out;
    for (const auto& canary : graph.edges) {
        if (!canary.canary || !canary.configured_percent) continue;
        for (const auto& main : graph.edges)
            if (main.from == canary.from && !main.canary && main.to.starts_with("svc:")) {
                out.push_back({main.to.substr(4), canary.to.substr(4), *canary.configured_percent});
                break;
            }
    }
    return out;
}

std::string describeChange(const TopologyGraph& before, const TopologyGraph& after) {
    static const char* kinds[] = {"client", "controller", "rule", "Service", "pod"};
    std::map<int, int> added, removed;
    std::set<std::string> old_ids, new_ids;
    for (const auto& n : before.nodes) old_ids.insert(n.id);
    for (const auto& n : after.nodes) {
        new_ids.insert(n.id);
        if (!old_ids.count(n.id)) ++added[static_cast<int>(n.kind)];
    }
    for (const auto& n : before.nodes)
        if (!new_ids.count(n.id)) ++removed[static_cast<int>(n.kind)];
    std::string out;
    auto part = [&out](const char* sign, int n, const char* kind) {
        out += (out.empty() ? "" : ", ") + std::string(sign) + std::to_string(n) + " " + kind +
               (n > 1 ? "s" : "");
    };
    for (auto [kind, n] : added) part("+", n, kinds[kind]);
    for (auto [kind, n] : removed) part("−", n, kinds[kind]);
    if (!out.empty()) return out;
    return before.edges.size() == after.edges.size() ? "no change in the topology" : "routes rewired";
}

Flow flowFor(const telemetry::RequestEvent& event, const LabRoutes& routes) {
    for (const auto& r : routes)
        if (r.name == event.controller && r.table) {
            Flow flow = flowFor(event, *r.table);
            flow.path[1] = controllerNodeId(routes, r.name);
            return flow;
        }
    if (routes.empty() || !routes.front().table) return {};
    return flowFor(event, *routes.front().table);
}

Flow flowFor(const telemetry::RequestEvent& event, const routing::RouteTable& table) {
    Flow flow;
    flow.status_class = telemetry::statusClass(event.status);
    flow.latency_ms = std::chrono::duration<double, std::milli>(event.requestTime()).count();
    flow.path = {"client", "controller"};
    if (event.ingress.empty()) return flow;
    const routing::Server* server = table.findServer(event.host);
    std::string server_name = server ? server->name : "_";
    if (event.rule_path.empty() && !(server && server->default_backend)) server_name = "_";
    flow.path.push_back(ruleNodeId(event.ingress.str(), server_name, event.rule_path));
    const telemetry::ServiceRef& service = event.servingService();
    if (service.empty()) return flow;
    flow.path.push_back(serviceNodeId(service.ns, service.name));
    if (!event.pod().empty()) flow.path.push_back(podNodeId(service.ns, std::string(event.pod())));
    return flow;
}

}  // namespace ilab::workbench
