#include "app/web/server/json_views.h"

#include <filesystem>

#include "engine/routing/decision_json.h"

namespace ilab::web {
namespace {

const char* kindName(workbench::NodeKind kind) {
    switch (kind) {
        case workbench::NodeKind::Client: return "client";
        case workbench::NodeKind::Controller: return "controller";
        case workbench::NodeKind::Rule: return "rule";
        case workbench::NodeKind::Service: return "service";
        case workbench::NodeKind::Pod: return "pod";
    }
    return "";
}

const char* healthName(workbench::Health h) {
    switch (h) {
        case workbench::Health::Idle: return "idle";
        case workbench::Health::Healthy: return "healthy";
        case workbench::Health::Degraded: return "degraded";
        case workbench::Health::Failure: return "failure";
    }
    return "";
}

const char* severityText(core::Severity s) {
    switch (s) {
        case core::Severity::Error: return "error";
        case core::Severity::Warning: return "warning";
        case core::Severity::Info: return "info";
    }
    return "";
}

Json pairs(const std::vector<std::pair<std::string, std::string>>& headers) {
    Json out = Json::array();
    for (const auto& [name, value] : headers) out.push_back({name, value});
    return out;
}

double ms(telemetry::Micros d) {
    return static_cast<double>(d.count()) / 1000.0;
}

Json pointJson(const telemetry::SeriesPoint& p) {
    return {{"s", p.second},
            {"requests", p.requests},
            {"c0", p.by_status_class[0]},
            {"c2", p.by_status_class[2]},
            {"c3", p.by_status_class[3]},
            {"c4", p.by_status_class[4]},
            {"c5", p.by_status_class[5]},
            {"canary", p.canary},
            {"p50", static_cast<double>(p.latency_p50_us) / 1000},
            {"p95", static_cast<double>(p.latency_p95_us) / 1000},
            {"p99", static_cast<double>(p.latency_p99_us) / 1000}};
}

}  // namespace

std::string relativePath(const std::string& file, const std::string& base) {
    namespace fs = std::filesystem;
    if (file.empty()) return file;
    const fs::path rel = fs::path(file).lexically_relative(base);
    if (rel.empty() || *rel.begin() == "..") return fs::path(file).filename().string();
    return rel.string();
}

Json toJson(const workbench::TopologyGraph& graph) {
    Json nodes = Json::array(), edges = Json::array();
    for (const auto& n : graph.nodes)
        nodes.push_back({{"id", n.id},
                         {"kind", kindName(n.kind)},
                         {"label", n.label},
                         {"detail", n.detail},
                         {"problem", n.problem},
                         {"namespace", n.ns},
                         {"ownerKind", n.owner_kind},
                         {"ownerName", n.owner_name},
                         {"phase", n.phase},
                         {"ready", n.ready},
                         {"restarts", n.restarts},
                         {"faults", n.faults},
                         {"faultIds", n.fault_ids}});
    for (const auto& e : graph.edges)
        edges.push_back({{"from", e.from},
                         {"to", e.to},
                         {"canary", e.canary},
                         {"configuredPercent",
                          e.configured_percent ? Json(*e.configured_percent) : Json(nullptr)}});
    return {{"nodes", nodes}, {"edges", edges}};
}

namespace {

// Messages name files by the path the lab read them at ("/home/me/lab/pipe.yaml" is a FIFO);
// the API names them relative to the lab's folder, as it does `file`: no server paths.
std::string withoutBase(std::string message, const std::string& base) {
    if (base.empty()) return message;
    const std::string prefix = base.back() == '/' ? base : base + "/";
    for (auto at = message.find(prefix); at != std::string::npos; at = message.find(prefix, at))
        message.erase(at, prefix.size());
    return message;
}

}  // namespace

Json toJson(const core::Diagnostics& diagnostics, const std::string& base) {
    Json out = Json::array();
    for (const auto& d : diagnostics.items())
        out.push_back({{"file", relativePath(d.location.fileName(), base)},
                       {"line", d.location.line},
                       {"column", d.location.column},
                       {"severity", severityText(d.severity)},
                       {"code", d.code},
                       {"message", withoutBase(d.message, base)},
                       {"hint", d.hint}});
    return out;
}

Json eventJson(const telemetry::RequestEvent& e, const workbench::Flow& flow,
               telemetry::TimePoint epoch) {
    return {{"t", std::chrono::duration<double>(e.complete - epoch).count()},
            {"id", e.request_id},
            {"controller", e.controller},
            {"method", e.method},
            {"scheme", e.scheme},
            {"host", e.host},
            {"target", e.target},
            {"status", e.status},
            {"ingress", e.ingress.str()},
            {"rule", e.rule_path},
            {"service", e.servingService().str()},
            {"canary", e.canary},
            {"canaryDraw", e.canary_draw ? Json(*e.canary_draw) : Json(nullptr)},
            {"pod", std::string(e.pod())},
            {"latencyMs", ms(e.requestTime())},
            {"faults", e.faults},
            {"path", flow.path}};
}

Json edgeStatsJson(const std::map<workbench::EdgeKey, workbench::EdgeStats>& stats) {
    Json out = Json::array();
    for (const auto& [key, s] : stats)
        out.push_back({{"from", key.first},
                       {"to", key.second},
                       {"rate", s.rate},
                       {"errorPercent", s.error_percent},
                       {"clientErrorPercent", s.client_error_percent},
                       {"p99Ms", s.p99_ms},
                       {"observedPercent", s.observed_percent ? Json(*s.observed_percent) : Json(nullptr)},
                       {"health", healthName(s.health)}});
    return out;
}

Json healthJson(const std::map<std::string, workbench::Health>& health) {
    Json out = Json::object();
    for (const auto& [id, h] : health) out[id] = healthName(h);
    return out;
}

Json seriesJson(const telemetry::Snapshot& s, std::int64_t seconds) {
    auto finished = [&](const telemetry::KeyStats& k) {
        auto points = s.recent(k, seconds + 1);
        if (!points.empty()) points.pop_back();  // the current second is still filling
        Json out = Json::array();
        for (const auto& p : points) out.push_back(pointJson(p));
        return out;
    };
    Json services = Json::object(), ingresses = Json::object();
    for (const auto& k : s.services) services[k->key] = finished(*k);
    for (const auto& k : s.ingresses) ingresses[k->key] = finished(*k);
    return {{"total", finished(*s.total)}, {"services", services}, {"ingresses", ingresses}};
}

Json faultsJson(const std::vector<workbench::ActiveFault>& faults) {
    Json out = Json::array();
    for (const auto& f : faults)
        out.push_back({{"id", f.id},
                       {"text", f.text},
                       {"since", f.since_s},
                       {"until", f.until_s ? Json(*f.until_s) : Json(nullptr)},
                       {"lab", f.scenario_run ? "run" : "live"}});
    return out;
}

Json trafficJson(const workbench::Workbench& bench) {
    Json mix = Json::array();
    for (const auto& p : bench.trafficSettings().profiles)
        for (const auto& r : p.requests)
            mix.push_back({{"profile", p.name}, {"method", r.method}, {"url", r.url}, {"weight", r.weight}});
    return {{"running", bench.trafficRunning()},
            {"paused", bench.trafficPaused()},
            {"rate", bench.trafficSettings().rate},
            {"mix", mix},
            {"problem", bench.trafficProblem()}};  // why Start sends nothing; "" when it sends
}

Json labJson(const workbench::Workbench& bench, const std::string& base) {
    Json scenario = nullptr;
    if (const auto& s = bench.scenario())
        scenario = {{"name", s->name},
                    {"description", s->description},
                    {"file", relativePath(bench.scenarioPath(), base)},
                    {"durationSeconds", std::chrono::duration<double>(s->duration).count()}};
    Json files = Json::array();
    if (!bench.scenarioPath().empty())
        files.push_back({{"path", relativePath(bench.scenarioPath(), base)}, {"kind", "scenario"}});
    for (const auto& f : bench.manifestFiles())
        files.push_back({{"path", relativePath(f, base)}, {"kind", "manifest"}});
    Json controllers = Json::array();  // in the lab's order: the first is the listeners' above
    for (const auto& c : bench.controllers())
        controllers.push_back({{"name", c.name},
                               {"title", c.title},
                               {"controller", c.controller_name},
                               {"ingressClass", c.ingress_class},
                               {"http", c.http_port},
                               {"https", c.https_port}});
    return {{"scenario", scenario},
            {"files", files},
            {"listeners", {{"http", bench.httpPort()}, {"https", bench.httpsPort()}}},
            {"controllers", controllers},
            {"running", bench.isOpen()},
            {"problem", bench.routingProblem()},  // why nothing is routable; "" when something is
            {"traffic", trafficJson(bench)},
            {"run", {{"playing", bench.scenarioPlaying()}, {"hasResult", bench.lastRun().has_value()}}}};
}

Json composedJson(const workbench::ComposedResult& r, const workbench::Flow* flow) {
    auto view = [](const std::optional<workbench::HeaderView>& v) {
        return v ? Json{{"target", v->target}, {"headers", pairs(v->headers)}} : Json(nullptr);
    };
    return {{"status", r.record.status},
            {"error", r.record.error},
            {"requestId", r.record.request_id},
            {"servedBy", r.served_pod.empty()
                             ? Json(nullptr)
                             : Json{{"pod", r.served_pod},
                                    {"service", r.served_service.empty() ? Json(nullptr) : Json(r.served_service)}}},
            {"decision", routing::decisionToJson(r.decision)},
            {"sent", view(r.sent)},
            {"rewritten", view(r.rewritten)},
            {"received", view(r.received)},
            {"path", flow ? Json(flow->path) : Json::array()}};
}

Json expectationJson(const scenario::ExpectationResult& r, const std::string& base) {
    static const char* kinds[] = {"request", "metric", "coverage"};
    std::string location;
    if (r.location.known())
        location = relativePath(r.location.fileName(), base) + ":" + std::to_string(r.location.line) +
                   ":" + std::to_string(r.location.column);
    return {{"name", r.name},
            {"kind", kinds[static_cast<int>(r.kind)]},
            {"passed", r.passed},
            {"expected", r.expected},
            {"measured", r.measured},
            {"location", location}};
}

}  // namespace ilab::web
