// Scenario files: YAML into a Scenario, strictly. Every mistake is a diagnostic at its line and
// column (ILAB-SCENARIO-*), and a scenario with errors never runs.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "engine/controllers/controller.h"
#include "engine/controllers/nginx_helm_values.h"
#include "engine/core/input_file.h"
#include "engine/core/text.h"
#include "engine/core/yaml_tree.h"
#include "engine/scenario/scenario.h"

namespace ilab::scenario {
namespace {

using core::YamlNode;
namespace fs = std::filesystem;

constexpr std::string_view kApiVersion = "ingress-lab.dev/v1alpha1";

std::string formatNumber(double v) {
    std::ostringstream out;
    out.precision(12);  // 1000000, not 1e+06
    out << v;
    return out.str();
}

// Reads typed fields from the tree and reports mistakes where they are.
class Reader {
  public:
    explicit Reader(core::Diagnostics& d) : d_(d) {}
    core::Diagnostics& diagnostics() { return d_; }

    void error(std::string code, std::string message, const core::SourceLocation& at,
               std::string hint = "") {
        d_.error(std::move(code), std::move(message), at, std::move(hint));
    }

    // Unknown keys are errors, with a did-you-mean.
    void fields(const YamlNode& map, const std::string& path,
                std::initializer_list<std::string_view> known) {
        for (const auto& e : map.entries) {
            if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
            error("ILAB-SCENARIO-004", "unknown field " + core::quoted(join(path, e.key)),
                  e.key_location, core::didYouMean(e.key, std::vector<std::string_view>(known)));
        }
    }

    const YamlNode* map(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return nullptr;
        if (!node->isMap()) return typeError(*node, path, "a map");
        return node;
    }
    const YamlNode* list(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return nullptr;
        if (!node->isSequence()) return typeError(*node, path, "a list");
        return node;
    }
    std::optional<std::string> string(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        if (!node->isScalar()) {
            typeError(*node, path, "a string");
            return std::nullopt;
        }
        return node->scalar;
    }
    std::optional<double> number(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        if (node->isScalar() && !node->quoted) {
            double value = 0;
            const char* begin = node->scalar.data();
            const char* end = begin + node->scalar.size();
            auto [ptr, ec] = std::from_chars(begin, end, value);
            if (ec == std::errc() && ptr == end && std::isfinite(value)) return value;
        }
        typeError(*node, path, "a number");
        return std::nullopt;
    }
    std::optional<bool> boolean(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        if (auto b = node->asBool()) return b;
        typeError(*node, path, "true or false");
        return std::nullopt;
    }
    std::optional<Millis> duration(const YamlNode* node, const std::string& path) {
        auto text = string(node, path);
        if (!text) return std::nullopt;
        if (auto d = parseDuration(*text)) return d;
        error("ILAB-SCENARIO-003",
              path + ": " + core::quoted(*text) + " is not a duration", node->location,
              "write it as 250ms, 2s, 1.5s or 1m");
        return std::nullopt;
    }
    // A number within [low, high].
    std::optional<double> bounded(const YamlNode* node, const std::string& path, double low,
                                  double high) {
        auto v = number(node, path);
        if (v && (*v < low || *v > high)) {
            error("ILAB-SCENARIO-003",
                  path + ": " + formatNumber(*v) + " is outside " +
                      formatNumber(low) + ".." + formatNumber(high),
                  node->location);
            return std::nullopt;
        }
        return v;
    }
    // A count or rate where 0 or less means nothing (a rate, a number of users): above 0 and
    // at most `high`, refused at the value otherwise.
    std::optional<double> positive(const YamlNode* node, const std::string& path, double high,
                                   std::string_view unit) {
        auto v = number(node, path);
        if (v && (*v <= 0 || *v > high)) {
            error("ILAB-SCENARIO-003",
                  path + ": " + formatNumber(*v) + " " + std::string(unit) +
                      (*v <= 0 ? " is not allowed: give a number above 0"
                               : " is over the limit of " + formatNumber(high)),
                  node->location,
                  *v <= 0 ? "leave the profile out (or pause it in the timeline) to send nothing"
                          : "");
            return std::nullopt;
        }
        return v;
    }
    std::vector<std::pair<std::string, std::string>> pairs(const YamlNode* node,
                                                           const std::string& path) {
        std::vector<std::pair<std::string, std::string>> out;
        if (!map(node, path)) return out;
        for (const auto& e : node->entries)
            if (auto v = string(&e.value, join(path, e.key))) out.emplace_back(e.key, *v);
        return out;
    }
    void required(const YamlNode& parent, std::string_view key, const std::string& path) {
        if (!parent.find(key))
            error("ILAB-SCENARIO-005", join(path, std::string(key)) + ": required",
                  parent.location);
    }

    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }
    static std::string at(const std::string& path, std::size_t i) {
        return path + "[" + std::to_string(i) + "]";
    }

  private:
    const YamlNode* typeError(const YamlNode& node, const std::string& path,
                              std::string_view expected) {
        std::string found(node.typeName());
        if (node.isScalar()) found += " (" + node.scalar + ")";
        error("ILAB-SCENARIO-003",
              path + ": expected " + std::string(expected) + ", found " + found, node.location);
        return nullptr;
    }
    core::Diagnostics& d_;
};

RequestSpec readRequest(Reader& r, const YamlNode& node, const std::string& path,
                        bool in_mix) {
    RequestSpec spec;
    spec.location = node.location;
    if (in_mix)
        r.fields(node, path,
                 {"method", "url", "headers", "cookies", "bodySize", "clientIp", "weight",
                  "controller"});
    else
        r.fields(node, path,
                 {"method", "url", "headers", "cookies", "bodySize", "clientIp", "controller"});
    spec.controller = r.string(node.find("controller"), path + ".controller").value_or("");
    r.required(node, "url", path);
    spec.method = r.string(node.find("method"), path + ".method").value_or("GET");
    spec.url = r.string(node.find("url"), path + ".url").value_or("");
    spec.headers = r.pairs(node.find("headers"), path + ".headers");
    spec.cookies = r.pairs(node.find("cookies"), path + ".cookies");
    if (auto b = r.bounded(node.find("bodySize"), path + ".bodySize", 0, 1e9))
        spec.body_bytes = static_cast<std::uint64_t>(*b);
    spec.client_ip = r.string(node.find("clientIp"), path + ".clientIp").value_or("");
    if (!spec.client_ip.empty() && !spec.client_ip.starts_with("127."))
        r.error("ILAB-SCENARIO-003",
                path + ".clientIp: " + core::quoted(spec.client_ip) +
                    " is not a loopback address",
                node.find("clientIp")->location,
                "requests leave from this machine: use an address in 127.0.0.0/8");
    if (in_mix)
        spec.weight = r.bounded(node.find("weight"), path + ".weight", 0, 1e6).value_or(1);
    if (!spec.url.empty() && !splitUrl(spec))
        r.error("ILAB-SCENARIO-003",
                path + ".url: " + core::quoted(spec.url) + " is not an http:// or https:// URL",
                node.find("url")->location, "for example http://shop.local/catalog");
    return spec;
}

cluster::Target readTarget(Reader& r, const YamlNode* node, const std::string& path,
                           core::SourceLocation& location) {
    cluster::Target t;
    if (!r.map(node, path)) {
        r.error("ILAB-SCENARIO-005", path + ": required (pod, workload or service)", location);
        return t;
    }
    location = node->location;
    r.fields(*node, path, {"pod", "workload", "service", "namespace"});
    int kinds = 0;
    for (const auto& [key, kind] :
         {std::pair{"pod", cluster::Target::Kind::Pod},
          std::pair{"workload", cluster::Target::Kind::Workload},
          std::pair{"service", cluster::Target::Kind::Service}}) {
        if (auto name = r.string(node->find(key), Reader::join(path, key))) {
            t.kind = kind;
            t.name = *name;
            ++kinds;
        }
    }
    if (kinds != 1)
        r.error("ILAB-SCENARIO-003", path + ": name exactly one of pod, workload or service",
                node->location);
    t.namespace_ = r.string(node->find("namespace"), path + ".namespace").value_or("default");
    return t;
}

// latency: {constant: 20ms} | {uniform: [10ms, 30ms]} | {normal: {mean: .., stddev: ..}} |
//          {lognormal: {p50: .., p99: ..}}
cluster::LatencyModel readLatency(Reader& r, const YamlNode& node, const std::string& path) {
    cluster::LatencyModel m;
    r.fields(node, path, {"constant", "uniform", "normal", "lognormal"});
    auto ms = [](Millis d) { return static_cast<double>(d.count()); };
    if (auto c = r.duration(node.find("constant"), path + ".constant")) {
        m.kind = cluster::LatencyModel::Kind::Constant;
        m.a_ms = ms(*c);
    } else if (const YamlNode* u = r.list(node.find("uniform"), path + ".uniform")) {
        if (u->items.size() != 2) {
            r.error("ILAB-SCENARIO-003", path + ".uniform: give [min, max]", u->location);
        } else if (auto lo = r.duration(&u->items[0], path + ".uniform[0]"),
                   hi = r.duration(&u->items[1], path + ".uniform[1]");
                   lo && hi) {
            m.kind = cluster::LatencyModel::Kind::Uniform;
            m.a_ms = ms(*lo);
            m.b_ms = ms(*hi);
        }
    } else if (const YamlNode* n = r.map(node.find("normal"), path + ".normal")) {
        r.fields(*n, path + ".normal", {"mean", "stddev"});
        auto mean = r.duration(n->find("mean"), path + ".normal.mean");
        auto sd = r.duration(n->find("stddev"), path + ".normal.stddev");
        if (mean && sd) {
            m.kind = cluster::LatencyModel::Kind::Normal;
            m.a_ms = ms(*mean);
            m.b_ms = ms(*sd);
        } else {
            r.error("ILAB-SCENARIO-005", path + ".normal: give mean and stddev", n->location);
        }
    } else if (const YamlNode* l = r.map(node.find("lognormal"), path + ".lognormal")) {
        r.fields(*l, path + ".lognormal", {"p50", "p99"});
        auto p50 = r.duration(l->find("p50"), path + ".lognormal.p50");
        auto p99 = r.duration(l->find("p99"), path + ".lognormal.p99");
        if (p50 && p99 && *p99 >= *p50) {
            m.kind = cluster::LatencyModel::Kind::LogNormal;
            m.a_ms = ms(*p50);
            m.b_ms = ms(*p99);
        } else {
            r.error("ILAB-SCENARIO-003", path + ".lognormal: give p50 and p99, p99 >= p50",
                    l->location);
        }
    }
    return m;
}

BehaviorSpec readBehavior(Reader& r, const YamlNode& node, const std::string& path) {
    BehaviorSpec b;
    r.fields(node, path,
             {"target", "latency", "errorRate", "errorStatus", "responseBytes",
              "readinessDelay", "startupTime", "crashAfterRequests", "crashAt", "restartBackoff",
              "slowStart", "terminationGrace"});
    b.target.location = node.location;
    b.target.target = readTarget(r, node.find("target"), path + ".target", b.target.location);
    cluster::Behavior& v = b.behavior;
    if (const YamlNode* l = r.map(node.find("latency"), path + ".latency"))
        v.latency = readLatency(r, *l, path + ".latency");
    if (auto e = r.bounded(node.find("errorRate"), path + ".errorRate", 0, 1)) v.error_ratio = *e;
    if (auto s = r.bounded(node.find("errorStatus"), path + ".errorStatus", 100, 599))
        v.error_status = static_cast<int>(*s);
    if (auto s = r.bounded(node.find("responseBytes"), path + ".responseBytes", 0, 1e9))
        v.response_bytes = static_cast<std::uint64_t>(*s);
    if (auto d = r.duration(node.find("readinessDelay"), path + ".readinessDelay"))
        v.readiness_delay = *d;
    if (auto d = r.duration(node.find("startupTime"), path + ".startupTime")) v.startup_time = *d;
    if (auto n = r.bounded(node.find("crashAfterRequests"), path + ".crashAfterRequests", 1, 1e12))
        v.crash_after_requests = static_cast<std::uint64_t>(*n);
    if (auto d = r.duration(node.find("crashAt"), path + ".crashAt")) v.crash_at = *d;
    if (auto d = r.duration(node.find("restartBackoff"), path + ".restartBackoff"))
        v.restart_backoff = *d;
    if (auto d = r.duration(node.find("slowStart"), path + ".slowStart")) v.slow_start = *d;
    if (auto d = r.duration(node.find("terminationGrace"), path + ".terminationGrace"))
        v.termination_grace = *d;
    return b;
}

std::optional<cluster::FaultSpec::Kind> faultKind(std::string_view name) {
    using K = cluster::FaultSpec::Kind;
    static const std::pair<std::string_view, K> kKinds[] = {
        {"kill", K::Kill},           {"unready", K::Unready},   {"latency", K::Latency},
        {"status", K::Status},       {"reset", K::Reset},       {"blackhole", K::BlackHole},
        {"throttle", K::Throttle},   {"closeAfterHeaders", K::CloseAfterHeaders}};
    for (const auto& [n, k] : kKinds)
        if (n == name) return k;
    return std::nullopt;
}

void readFault(Reader& r, const YamlNode& node, const std::string& path, TimelineEntry& e) {
    r.fields(node, path,
             {"kind", "target", "probability", "status", "latency", "jitter", "bytesPerSecond"});
    r.required(node, "kind", path);
    if (auto kind = r.string(node.find("kind"), path + ".kind")) {
        if (auto k = faultKind(*kind))
            e.fault.kind = *k;
        else
            r.error("ILAB-SCENARIO-003", path + ".kind: unknown fault " + core::quoted(*kind),
                    node.find("kind")->location,
                    "one of kill, unready, latency, status, reset, blackhole, throttle, "
                    "closeAfterHeaders");
    }
    e.fault_target_location = node.location;
    e.fault.target = readTarget(r, node.find("target"), path + ".target", e.fault_target_location);
    e.fault.probability =
        r.bounded(node.find("probability"), path + ".probability", 0, 1).value_or(1);
    if (auto s = r.bounded(node.find("status"), path + ".status", 100, 599))
        e.fault.status = static_cast<int>(*s);
    if (auto d = r.duration(node.find("latency"), path + ".latency"))
        e.fault.latency_ms = static_cast<double>(d->count());
    if (auto d = r.duration(node.find("jitter"), path + ".jitter"))
        e.fault.jitter_ms = static_cast<double>(d->count());
    if (auto b = r.bounded(node.find("bytesPerSecond"), path + ".bytesPerSecond", 1, 1e12))
        e.fault.bytes_per_second = static_cast<std::uint64_t>(*b);
}

void readTimeline(Reader& r, const YamlNode* list, Scenario& s) {
    for (std::size_t i = 0; list && i < list->items.size(); ++i) {
        const std::string path = Reader::at("spec.timeline", i);
        const YamlNode* node = r.map(&list->items[i], path);
        if (!node) continue;
        r.fields(*node, path,
                 {"at", "for", "fault", "behavior", "apply", "pause", "scale", "roll", "promote"});
        TimelineEntry e;
        e.location = node->location;
        r.required(*node, "at", path);
        e.at = r.duration(node->find("at"), path + ".at").value_or(Millis{0});
        e.duration = r.duration(node->find("for"), path + ".for");
        int actions = 0;
        if (const YamlNode* f = r.map(node->find("fault"), path + ".fault")) {
            e.kind = TimelineEntry::Kind::Fault;
            readFault(r, *f, path + ".fault", e);
            ++actions;
        }
        if (const YamlNode* b = r.map(node->find("behavior"), path + ".behavior")) {
            e.kind = TimelineEntry::Kind::Behavior;
            e.behavior = readBehavior(r, *b, path + ".behavior");
            ++actions;
        }
        if (auto apply = r.string(node->find("apply"), path + ".apply")) {
            e.kind = TimelineEntry::Kind::Apply;
            e.apply_path = *apply;
            e.apply_location = node->find("apply")->location;
            ++actions;
        }
        if (const YamlNode* p = node->find("pause")) {
            e.kind = TimelineEntry::Kind::Pause;
            if (const YamlNode* pm = r.map(p, path + ".pause")) {
                r.fields(*pm, path + ".pause", {"profile"});
                e.pause_profile = r.string(pm->find("profile"), path + ".pause.profile").value_or("");
            }
            ++actions;
        }
        if (const YamlNode* sc = r.map(node->find("scale"), path + ".scale")) {
            e.kind = TimelineEntry::Kind::Scale;
            r.fields(*sc, path + ".scale", {"workload", "namespace", "replicas"});
            r.required(*sc, "workload", path + ".scale");
            e.scale.workload = r.string(sc->find("workload"), path + ".scale.workload").value_or("");
            e.scale.namespace_ = r.string(sc->find("namespace"), path + ".scale.namespace").value_or("default");
            e.scale.replicas = static_cast<int>(
                r.bounded(sc->find("replicas"), path + ".scale.replicas", 0, 1000).value_or(1));
            ++actions;
        }
        if (const YamlNode* ro = r.map(node->find("roll"), path + ".roll")) {
            e.kind = TimelineEntry::Kind::Roll;
            r.fields(*ro, path + ".roll", {"workload", "namespace", "maxSurge", "maxUnavailable"});
            r.required(*ro, "workload", path + ".roll");
            e.roll.workload = r.string(ro->find("workload"), path + ".roll.workload").value_or("");
            e.roll.namespace_ = r.string(ro->find("namespace"), path + ".roll.namespace").value_or("default");
            e.roll.max_surge = static_cast<int>(
                r.bounded(ro->find("maxSurge"), path + ".roll.maxSurge", 0, 100).value_or(1));
            e.roll.max_unavailable = static_cast<int>(
                r.bounded(ro->find("maxUnavailable"), path + ".roll.maxUnavailable", 0, 100).value_or(0));
            if (e.roll.max_surge == 0 && e.roll.max_unavailable == 0)
                r.error("ILAB-SCENARIO-003",
                        path + ".roll: maxSurge and maxUnavailable cannot both be 0 (it could never "
                               "progress, and Kubernetes refuses it too)",
                        ro->location);
            ++actions;
        }
        if (const YamlNode* pr = r.map(node->find("promote"), path + ".promote")) {
            e.kind = TimelineEntry::Kind::Promote;
            const std::string ppath = path + ".promote";
            r.fields(*pr, ppath, {"ingress", "namespace", "service", "weights", "every", "maxErrorRate"});
            r.required(*pr, "ingress", ppath);
            r.required(*pr, "service", ppath);
            r.required(*pr, "weights", ppath);
            e.promote.ingress = r.string(pr->find("ingress"), ppath + ".ingress").value_or("");
            e.promote.namespace_ = r.string(pr->find("namespace"), ppath + ".namespace").value_or("default");
            e.promote.service = r.string(pr->find("service"), ppath + ".service").value_or("");
            if (const YamlNode* w = r.list(pr->find("weights"), ppath + ".weights"))
                for (std::size_t k = 0; k < w->items.size(); ++k)
                    if (auto v = r.bounded(&w->items[k], Reader::at(ppath + ".weights", k), 0, 100))
                        e.promote.weights.push_back(static_cast<int>(*v));
            e.promote.every = r.duration(pr->find("every"), ppath + ".every").value_or(Millis{5000});
            e.promote.max_error_rate =
                r.bounded(pr->find("maxErrorRate"), ppath + ".maxErrorRate", 0, 1).value_or(0.05);
            ++actions;
        }
        if (actions != 1)
            r.error("ILAB-SCENARIO-003",
                    path + ": give exactly one of fault, behavior, apply, pause, scale, roll or "
                           "promote",
                    node->location);
        s.timeline.push_back(std::move(e));
    }
}

void readTraffic(Reader& r, const YamlNode* list, Scenario& s) {
    for (std::size_t i = 0; list && i < list->items.size(); ++i) {
        const std::string path = Reader::at("spec.traffic", i);
        const YamlNode* node = r.map(&list->items[i], path);
        if (!node) continue;
        r.fields(*node, path,
                 {"name", "rate", "stages", "virtualUsers", "thinkTime", "start", "duration",
                  "requests", "controller"});
        const std::string profile_controller =
            r.string(node->find("controller"), path + ".controller").value_or("");
        TrafficProfile p;
        p.location = node->location;
        p.name = r.string(node->find("name"), path + ".name").value_or("traffic-" + std::to_string(i + 1));
        // With stages, rate is where the ramp starts, and 0 is a fine start.
        p.rate = (node->find("stages")
                      ? r.bounded(node->find("rate"), path + ".rate", 0, 1e6)
                      : r.positive(node->find("rate"), path + ".rate", 1e6, "requests per second"))
                     .value_or(0);
        if (const YamlNode* stages = r.list(node->find("stages"), path + ".stages")) {
            for (std::size_t k = 0; k < stages->items.size(); ++k) {
                const std::string spath = Reader::at(path + ".stages", k);
                const YamlNode* st = r.map(&stages->items[k], spath);
                if (!st) continue;
                r.fields(*st, spath, {"duration", "target"});
                Stage stage;
                r.required(*st, "duration", spath);
                stage.duration = r.duration(st->find("duration"), spath + ".duration").value_or(Millis{0});
                if (const YamlNode* d = st->find("duration");
                    d && stage.duration <= Millis{0} && parseDuration(d->scalar))
                    r.error("ILAB-SCENARIO-003",
                            spath + ".duration: must be above 0 (a stage ramps over it)",
                            d->location);
                stage.target = r.bounded(st->find("target"), spath + ".target", 0, 1e6).value_or(0);
                p.stages.push_back(stage);
            }
        }
        p.virtual_users = static_cast<int>(
            r.positive(node->find("virtualUsers"), path + ".virtualUsers", 10000, "users")
                .value_or(0));
        p.think_time = r.duration(node->find("thinkTime"), path + ".thinkTime").value_or(Millis{0});
        p.start = r.duration(node->find("start"), path + ".start").value_or(Millis{0});
        p.duration = r.duration(node->find("duration"), path + ".duration");
        // A rate or virtualUsers given but refused above has its own error.
        if (!node->find("rate") && !node->find("virtualUsers") && p.stages.empty())
            r.error("ILAB-SCENARIO-005",
                    path + ": give rate (requests per second), stages or virtualUsers",
                    node->location);
        if (p.virtual_users > 0 && (p.rate > 0 || !p.stages.empty()))
            r.error("ILAB-SCENARIO-003",
                    path + ": virtualUsers (closed model) cannot be combined with rate or stages",
                    node->location);
        const YamlNode* requests = r.list(node->find("requests"), path + ".requests");
        if (!requests || requests->items.empty())
            r.error("ILAB-SCENARIO-005", path + ".requests: required (at least one request)",
                    node->location);
        for (std::size_t k = 0; requests && k < requests->items.size(); ++k) {
            const std::string rpath = Reader::at(path + ".requests", k);
            if (const YamlNode* rq = r.map(&requests->items[k], rpath)) {
                p.requests.push_back(readRequest(r, *rq, rpath, true));
                if (p.requests.back().controller.empty())
                    p.requests.back().controller = profile_controller;
            }
        }
        if (!p.requests.empty() && std::all_of(p.requests.begin(), p.requests.end(),
                                               [](const RequestSpec& q) { return q.weight <= 0; }))
            r.error("ILAB-SCENARIO-003",
                    path + ".requests: every weight is 0, so no request would be sent",
                    requests->location, "give at least one request a weight above 0");
        for (const auto& other : s.traffic)
            if (other.name == p.name)
                r.error("ILAB-SCENARIO-003", path + ".name: " + core::quoted(p.name) + " is used twice",
                        node->location);
        s.traffic.push_back(std::move(p));
    }
}

std::optional<MetricExpectation::Metric> metricKind(std::string_view name, double& percentile) {
    using M = MetricExpectation::Metric;
    if (name.size() > 9 && name.starts_with("latency.p")) {
        double p = 0;
        const auto digits = name.substr(9);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
        if (ec == std::errc() && ptr == digits.data() + digits.size() && p > 0 && p <= 100) {
            percentile = p;
            return M::LatencyPercentile;
        }
        return std::nullopt;
    }
    if (name == "latency.mean") return M::LatencyMean;
    if (name == "errorRate") return M::ErrorRate;
    if (name == "statusCount") return M::StatusCount;
    if (name == "requests") return M::Requests;
    if (name == "share") return M::Share;
    if (name == "podsReached") return M::PodsReached;
    return std::nullopt;
}

bool isLatency(MetricExpectation::Metric m) {
    return m == MetricExpectation::Metric::LatencyPercentile ||
           m == MetricExpectation::Metric::LatencyMean;
}

// A bound: a number, or a duration for latencies ("250ms").
std::optional<double> readBound(Reader& r, const YamlNode* node, const std::string& path,
                                bool latency) {
    if (!node) return std::nullopt;
    if (latency && node->isScalar() && !node->scalar.empty() &&
        !std::isdigit(static_cast<unsigned char>(node->scalar.back()))) {
        if (auto d = r.duration(node, path)) return static_cast<double>(d->count());
        return std::nullopt;
    }
    return r.number(node, path);
}

bool insideFolder(const fs::path& path, const std::string& folder);
void outsideFolder(Reader& r, std::string_view field, const std::string& written,
                   const core::SourceLocation& at);

// A controller entry's Helm values file: the ingress-nginx chart's, read where it lies inside
// the scenario's folder.
void readValues(Reader& r, const YamlNode& node, const std::string& path,
                const controllers::Controller* plugin, const Scenario& s, ControllerEntry& c,
                const std::string& base) {
    const YamlNode* values = node.find("values");
    const auto written = r.string(values, path + ".values");
    if (!written) return;
    const fs::path file = fs::path(*written).is_absolute() ? fs::path(*written) : fs::path(base) / *written;
    std::error_code ec;
    if (!insideFolder(file, base)) {
        outsideFolder(r, path + ".values", *written, values->location);
        return;
    }
    if (!fs::exists(file, ec)) {
        r.error("ILAB-SCENARIO-006",
                path + ".values: " + core::quoted(*written) + " does not exist", values->location);
        return;
    }
    if (!plugin || plugin->id() != "ingress-nginx") {
        r.error("ILAB-SCENARIO-003",
                path + ".values: a values file is the ingress-nginx Helm chart's; " +
                    core::quoted(c.controller) + " has none",
                values->location);
        return;
    }
    c.values = file.lexically_normal().string();
    auto read = controllers::nginx::readHelmValues(c.values, r.diagnostics());
    if (!read) return;
    c.args = std::move(read->args);
    if (read->config_map) {
        if (!s.controllers.empty()) {  // another release of the chart: its own ConfigMap
            read->config_map->meta.name = c.name + "-controller";
            c.args.push_back({"--configmap=" + read->config_map->meta.qualifiedName(),
                              values->location});
        }
        c.installed_config_map = std::move(read->config_map);
    }
}

// spec.controllers: which controllers the lab runs, each claiming by its own class.
void readControllers(Reader& r, const YamlNode* list, Scenario& s, const std::string& base) {
    const auto& registry = controllers::Registry::builtin();
    for (std::size_t i = 0; list && i < list->items.size(); ++i) {
        const std::string path = Reader::at("spec.controllers", i);
        const YamlNode* node = r.map(&list->items[i], path);
        if (!node) continue;
        r.fields(*node, path,
                 {"name", "controller", "controllerClass", "ingressClass", "configMap",
                  "watchIngressWithoutClass", "values", "args", "ports"});
        ControllerEntry c;
        c.location = node->location;
        r.required(*node, "controller", path);
        c.controller = r.string(node->find("controller"), path + ".controller").value_or("");
        const controllers::Controller* plugin = registry.find(c.controller);
        if (!c.controller.empty() && !plugin) {
            std::vector<std::string_view> known;
            for (const auto& k : registry.all()) {
                known.push_back(k->id());
                known.push_back(k->controllerName());
            }
            r.error("ILAB-SCENARIO-003",
                    path + ".controller: the lab does not simulate " + core::quoted(c.controller) +
                        " (it knows " + registry.describeKnown() + ")",
                    node->find("controller")->location, core::didYouMean(c.controller, known));
        }
        c.name = r.string(node->find("name"), path + ".name")
                     .value_or(plugin ? std::string(plugin->id()) : c.controller);
        c.controller_class =
            r.string(node->find("controllerClass"), path + ".controllerClass").value_or("");
        c.ingress_class = r.string(node->find("ingressClass"), path + ".ingressClass").value_or("");
        c.config_map = r.string(node->find("configMap"), path + ".configMap").value_or("");
        if (const YamlNode* cm = node->find("configMap");
            cm && !c.config_map.empty() &&
            (std::count(c.config_map.begin(), c.config_map.end(), '/') != 1 ||
             c.config_map.front() == '/' || c.config_map.back() == '/'))
            r.error("ILAB-SCENARIO-003",
                    path + ".configMap: " + core::quoted(c.config_map) + " is not namespace/name",
                    cm->location, "for example ingress-nginx/ingress-nginx-controller");
        c.watch_ingress_without_class =
            r.boolean(node->find("watchIngressWithoutClass"), path + ".watchIngressWithoutClass")
                .value_or(false);
        readValues(r, *node, path, plugin, s, c, base);
        if (const YamlNode* args = r.list(node->find("args"), path + ".args")) {
            for (std::size_t k = 0; k < args->items.size(); ++k)
                if (auto text = r.string(&args->items[k], Reader::at(path + ".args", k)))
                    c.args.push_back({*text, args->items[k].location});
        }
        // Checked as the controller reads them, with their findings where they are written.
        if (plugin && !c.args.empty()) {
            model::LoadOptions load;
            routing::CompileOptions compile;
            plugin->applyArgs(c.args, load, compile, r.diagnostics());
        }
        if (const YamlNode* ports = r.map(node->find("ports"), path + ".ports")) {
            r.fields(*ports, path + ".ports", {"http", "https"});
            if (auto v = r.bounded(ports->find("http"), path + ".ports.http", 1, 65535))
                c.http_port = static_cast<std::uint16_t>(*v);
            if (auto v = r.bounded(ports->find("https"), path + ".ports.https", 1, 65535))
                c.https_port = static_cast<std::uint16_t>(*v);
        }
        for (const auto& other : s.controllers)
            if (other.name == c.name)
                r.error("ILAB-SCENARIO-003",
                        path + ".name: " + core::quoted(c.name) + " is used twice",
                        node->location, "give each controller its own name");
        s.controllers.push_back(std::move(c));
    }
}

// Traffic and expectations name controllers of spec.controllers.
void checkControllerNames(Reader& r, const Scenario& s) {
    std::vector<std::string_view> names;
    for (const auto& c : s.controllers) names.push_back(c.name);
    const auto check = [&](const std::string& name, const core::SourceLocation& at) {
        if (name.empty() || controllerIndex(s, name)) return;
        r.error("ILAB-SCENARIO-006",
                "no controller is called " + core::quoted(name) +
                    (s.controllers.empty() ? " (spec.controllers names none)" : ""),
                at,
                s.controllers.empty() ? "add it to spec.controllers"
                                      : core::didYouMean(name, names));
    };
    for (const auto& p : s.traffic)
        for (const auto& q : p.requests) check(q.controller, q.location);
    for (const auto& x : s.request_expectations) check(x.request.controller, x.location);
    for (const auto& m : s.metric_expectations) check(m.filter.controller, m.location);
}

void readExpectations(Reader& r, const YamlNode* node, Scenario& s) {
    if (!r.map(node, "spec.expect")) return;
    r.fields(*node, "spec.expect", {"requests", "metrics", "coverage"});
    const YamlNode* requests = r.list(node->find("requests"), "spec.expect.requests");
    for (std::size_t i = 0; requests && i < requests->items.size(); ++i) {
        const std::string path = Reader::at("spec.expect.requests", i);
        const YamlNode* e = r.map(&requests->items[i], path);
        if (!e) continue;
        r.fields(*e, path, {"name", "request", "status", "backend", "canary", "location",
                            "upstreamPath", "at"});
        RequestExpectation x;
        x.location = e->location;
        r.required(*e, "request", path);
        if (const YamlNode* rq = r.map(e->find("request"), path + ".request"))
            x.request = readRequest(r, *rq, path + ".request", false);
        if (auto st = r.bounded(e->find("status"), path + ".status", 100, 599))
            x.status = static_cast<int>(*st);
        x.backend = r.string(e->find("backend"), path + ".backend");
        x.canary = r.boolean(e->find("canary"), path + ".canary");
        x.location_header = r.string(e->find("location"), path + ".location");
        x.upstream_path = r.string(e->find("upstreamPath"), path + ".upstreamPath");
        x.at = r.duration(e->find("at"), path + ".at");
        std::string shown = x.request.method + " " + x.request.url;
        std::vector<std::string> extras;
        for (const auto& [name, value] : x.request.headers) extras.push_back(name + ": " + value);
        for (const auto& [name, value] : x.request.cookies) extras.push_back("cookie " + name + "=" + value);
        if (!x.request.client_ip.empty()) extras.push_back("from " + x.request.client_ip);
        if (!x.request.controller.empty()) extras.push_back("via " + x.request.controller);
        if (!extras.empty()) shown += " (" + core::join(extras, ", ") + ")";
        if (x.at) shown += " at " + formatNumber(static_cast<double>(x.at->count()) / 1000.0) + "s";
        x.name = r.string(e->find("name"), path + ".name").value_or(shown);
        if (!x.status && !x.backend && !x.canary && !x.location_header && !x.upstream_path)
            r.error("ILAB-SCENARIO-005",
                    path + ": say what must happen (status, backend, canary, location or "
                           "upstreamPath)",
                    e->location);
        s.request_expectations.push_back(std::move(x));
    }
    const YamlNode* metrics = r.list(node->find("metrics"), "spec.expect.metrics");
    for (std::size_t i = 0; metrics && i < metrics->items.size(); ++i) {
        const std::string path = Reader::at("spec.expect.metrics", i);
        const YamlNode* e = r.map(&metrics->items[i], path);
        if (!e) continue;
        r.fields(*e, path, {"name", "metric", "of", "where", "min", "max", "between"});
        MetricExpectation m;
        m.location = e->location;
        r.required(*e, "metric", path);
        if (auto name = r.string(e->find("metric"), path + ".metric")) {
            if (auto kind = metricKind(*name, m.percentile))
                m.metric = *kind;
            else
                r.error("ILAB-SCENARIO-003", path + ".metric: unknown metric " + core::quoted(*name),
                        e->find("metric")->location,
                        "one of latency.p50 (any percentile), latency.mean, errorRate, "
                        "statusCount, requests, share, podsReached");
        }
        m.share_of = r.string(e->find("of"), path + ".of").value_or("");
        if (m.metric == MetricExpectation::Metric::Share && m.share_of.empty())
            r.error("ILAB-SCENARIO-005", path + ".of: required for share (a Service name)",
                    e->location);
        if (const YamlNode* w = r.map(e->find("where"), path + ".where")) {
            const std::string wpath = path + ".where";
            r.fields(*w, wpath,
                     {"profile", "service", "ingress", "pod", "route", "status", "from", "to",
                      "controller"});
            m.filter.controller = r.string(w->find("controller"), wpath + ".controller").value_or("");
            m.filter.profile = r.string(w->find("profile"), wpath + ".profile").value_or("");
            m.filter.service = r.string(w->find("service"), wpath + ".service").value_or("");
            m.filter.ingress = r.string(w->find("ingress"), wpath + ".ingress").value_or("");
            m.filter.pod = r.string(w->find("pod"), wpath + ".pod").value_or("");
            m.filter.route = r.string(w->find("route"), wpath + ".route").value_or("");
            m.filter.status = r.string(w->find("status"), wpath + ".status").value_or("");
            if (!m.filter.status.empty()) {
                const std::string& st = m.filter.status;
                const bool ok = st.size() == 3 &&
                                std::isdigit(static_cast<unsigned char>(st[0])) &&
                                ((st[1] == 'x' && st[2] == 'x') ||
                                 (std::isdigit(static_cast<unsigned char>(st[1])) &&
                                  std::isdigit(static_cast<unsigned char>(st[2]))));
                if (!ok)
                    r.error("ILAB-SCENARIO-003",
                            wpath + ".status: " + core::quoted(st) + " is not a status or class",
                            w->find("status")->location, "for example 503 or 5xx");
            }
            m.filter.from = r.duration(w->find("from"), wpath + ".from");
            m.filter.to = r.duration(w->find("to"), wpath + ".to");
        }
        const bool latency = isLatency(m.metric);
        m.min = readBound(r, e->find("min"), path + ".min", latency);
        m.max = readBound(r, e->find("max"), path + ".max", latency);
        if (const YamlNode* b = r.list(e->find("between"), path + ".between")) {
            if (b->items.size() != 2)
                r.error("ILAB-SCENARIO-003", path + ".between: give [low, high]", b->location);
            else {
                m.min = readBound(r, &b->items[0], path + ".between[0]", latency);
                m.max = readBound(r, &b->items[1], path + ".between[1]", latency);
            }
        }
        if (!m.min && !m.max)
            r.error("ILAB-SCENARIO-005", path + ": give min, max or between", e->location);
        m.name = r.string(e->find("name"), path + ".name").value_or(m.describe());
        s.metric_expectations.push_back(std::move(m));
    }
    if (const YamlNode* c = r.map(node->find("coverage"), "spec.expect.coverage")) {
        r.fields(*c, "spec.expect.coverage", {"failUnder"});
        s.coverage_fail_under =
            r.bounded(c->find("failUnder"), "spec.expect.coverage.failUnder", 0, 100);
    }
}

// Whether `path` (absolute, or relative to the working directory) stays inside `folder` once
// symlinks are followed. A scenario is often someone else's (a download, a pull request, a
// save through the web API): what it names must not reach /etc/shadow, ~/.ssh or /dev/zero.
bool insideFolder(const fs::path& path, const std::string& folder) {
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(fs::absolute(folder.empty() ? "." : folder, ec), ec);
    if (ec) return false;
    const fs::path real = fs::weakly_canonical(fs::absolute(path, ec), ec);
    if (ec) return false;
    const fs::path relative = real.lexically_relative(root);
    return !relative.empty() && *relative.begin() != "..";
}

// Neither whether the file exists nor where the folder is is said: the web API shows these
// messages, and must not become a way to probe the server's disk.
void outsideFolder(Reader& r, std::string_view field, const std::string& written,
                   const core::SourceLocation& at) {
    r.error("ILAB-SCENARIO-007",
            std::string(field) + ": " + core::quoted(written) + " is outside the scenario's folder",
            at, "copy the file into the scenario's folder; a symlink counts where it leads");
}

// A literal block scalar put back where it stands in its file: as many blank lines as come
// before its first line, each line with the block's indentation, so the YAML reader gives
// every finding inside it the scenario file's line and column. Document markers go back to
// column 0, where they separate documents.
std::string asWrittenInFile(const YamlNode& block) {
    const std::string indent(static_cast<std::size_t>(block.block_column - 1), ' ');
    std::string out(static_cast<std::size_t>(block.location.line), '\n');
    std::size_t begin = 0;
    while (begin < block.scalar.size()) {
        std::size_t end = block.scalar.find('\n', begin);
        if (end == std::string::npos) end = block.scalar.size();
        const std::string_view line(block.scalar.data() + begin, end - begin);
        const bool marker = (line.starts_with("---") || line.starts_with("...")) &&
                            (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
        if (!line.empty() && !marker) out += indent;
        out += line;
        out += '\n';
        begin = end + 1;
    }
    return out;
}

void readScenario(Reader& r, const YamlNode& root, Scenario& s, const std::string& base) {
    r.fields(root, "", {"apiVersion", "kind", "metadata", "spec"});
    const auto api = r.string(root.find("apiVersion"), "apiVersion");
    const auto kind = r.string(root.find("kind"), "kind");
    if (kind != "Scenario" || api != kApiVersion) {
        r.error("ILAB-SCENARIO-002",
                "not a scenario: expected apiVersion " + std::string(kApiVersion) +
                    " and kind Scenario",
                root.location);
        return;
    }
    if (const YamlNode* md = r.map(root.find("metadata"), "metadata")) {
        r.fields(*md, "metadata", {"name", "description"});
        s.name = r.string(md->find("name"), "metadata.name").value_or("");
        s.description = r.string(md->find("description"), "metadata.description").value_or("");
    }
    r.required(root, "spec", "");
    const YamlNode* spec = r.map(root.find("spec"), "spec");
    if (!spec) return;
    r.fields(*spec, "spec",
             {"manifests", "manifestsInline", "controllers", "seed", "duration", "behaviors",
              "traffic", "timeline", "expect"});
    readControllers(r, r.list(spec->find("controllers"), "spec.controllers"), s, base);
    if (const YamlNode* m = r.list(spec->find("manifests"), "spec.manifests")) {
        for (std::size_t i = 0; i < m->items.size(); ++i) {
            if (auto p = r.string(&m->items[i], Reader::at("spec.manifests", i))) {
                const fs::path path = fs::path(*p).is_absolute() ? fs::path(*p) : fs::path(base) / *p;
                std::error_code ec;
                if (!insideFolder(path, base))
                    outsideFolder(r, "spec.manifests", *p, m->items[i].location);
                else if (!fs::exists(path, ec))
                    r.error("ILAB-SCENARIO-006",
                            "spec.manifests: " + core::quoted(*p) + " does not exist (looked in " +
                                core::quoted(base.empty() ? "." : base) + ")",
                            m->items[i].location);
                s.manifests.push_back(path.lexically_normal().string());
            }
        }
    }
    const YamlNode* inline_node = spec->find("manifestsInline");
    s.inline_manifests = r.string(inline_node, "spec.manifestsInline").value_or("");
    s.inline_manifests_name = s.file + " (manifestsInline)";
    if (!s.inline_manifests.empty() && inline_node->block_column > 0) {
        s.inline_manifests = asWrittenInFile(*inline_node);
        s.inline_manifests_name = s.file;
    }
    if (s.manifests.empty() && s.inline_manifests.empty())
        r.error("ILAB-SCENARIO-005", "spec.manifests: required (or spec.manifestsInline)",
                spec->location);
    if (auto seed = r.bounded(spec->find("seed"), "spec.seed", 0, 9e15))
        s.seed = static_cast<std::uint64_t>(*seed);
    if (auto d = r.duration(spec->find("duration"), "spec.duration")) s.duration = *d;
    if (s.duration <= Millis{0} || s.duration > Millis{24LL * 3600 * 1000})
        r.error("ILAB-SCENARIO-003", "spec.duration: must be above 0 and at most 24h",
                spec->location);
    if (const YamlNode* b = r.list(spec->find("behaviors"), "spec.behaviors"))
        for (std::size_t i = 0; i < b->items.size(); ++i)
            if (const YamlNode* n = r.map(&b->items[i], Reader::at("spec.behaviors", i)))
                s.behaviors.push_back(readBehavior(r, *n, Reader::at("spec.behaviors", i)));
    readTraffic(r, r.list(spec->find("traffic"), "spec.traffic"), s);
    readTimeline(r, r.list(spec->find("timeline"), "spec.timeline"), s);
    readExpectations(r, spec->find("expect"), s);
    checkControllerNames(r, s);
    for (auto& e : s.timeline) {
        if (e.kind == TimelineEntry::Kind::Apply && !e.apply_path.empty()) {
            const fs::path p = fs::path(e.apply_path).is_absolute() ? fs::path(e.apply_path)
                                                                    : fs::path(base) / e.apply_path;
            std::error_code ec;
            if (!insideFolder(p, base))
                outsideFolder(r, "apply", e.apply_path, e.apply_location);
            else if (!fs::exists(p, ec))
                r.error("ILAB-SCENARIO-006",
                        "apply: " + core::quoted(e.apply_path) + " does not exist",
                        e.apply_location);
            e.apply_path = p.lexically_normal().string();
        }
        if (e.kind == TimelineEntry::Kind::Pause && !e.pause_profile.empty() &&
            std::none_of(s.traffic.begin(), s.traffic.end(),
                         [&](const TrafficProfile& p) { return p.name == e.pause_profile; }))
            r.error("ILAB-SCENARIO-006",
                    "pause: no traffic profile is called " + core::quoted(e.pause_profile),
                    e.location);
        if (e.at > s.duration)
            r.error("ILAB-SCENARIO-003", "timeline: at " + std::to_string(e.at.count()) +
                                             " ms is after the end of the run",
                    e.location);
    }
    for (const auto& x : s.request_expectations)
        if (x.at && *x.at > s.duration)
            r.error("ILAB-SCENARIO-003", "expect.requests: at is after the end of the run",
                    x.location);
    for (const auto& m : s.metric_expectations)
        if (!m.filter.profile.empty() &&
            std::none_of(s.traffic.begin(), s.traffic.end(),
                         [&](const TrafficProfile& p) { return p.name == m.filter.profile; }))
            r.error("ILAB-SCENARIO-006",
                    "expect.metrics: no traffic profile is called " + core::quoted(m.filter.profile),
                    m.location);
}

}  // namespace

std::optional<std::size_t> controllerIndex(const Scenario& s, std::string_view name) {
    if (name.empty()) return 0;
    for (std::size_t i = 0; i < s.controllers.size(); ++i)
        if (s.controllers[i].name == name) return i;
    return std::nullopt;
}

std::optional<Millis> parseDuration(std::string_view text) {
    text = core::trim(text);
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr == text.data() || value < 0) return std::nullopt;
    const std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    double ms = 0;
    if (unit == "ms")
        ms = value;
    else if (unit == "s")
        ms = value * 1000;
    else if (unit == "m")
        ms = value * 60000;
    else if (unit == "h")
        ms = value * 3600000;
    else
        return std::nullopt;
    if (ms > 1e12) return std::nullopt;
    return Millis(static_cast<long long>(std::llround(ms)));
}

LoadedScenario loadScenarioFromText(const std::string& text, const std::string& file_name,
                                    const std::string& base_directory) {
    LoadedScenario out;
    core::YamlParseResult parsed = core::parseYamlStream(text, file_name);
    out.diagnostics.append(parsed.diagnostics);
    if (parsed.diagnostics.hasErrors()) return out;
    if (parsed.documents.size() != 1) {
        out.diagnostics.error("ILAB-SCENARIO-002",
                              "a scenario file holds one document, found " +
                                  std::to_string(parsed.documents.size()),
                              {std::make_shared<const std::string>(file_name), 1, 1});
        return out;
    }
    Scenario s;
    s.file = file_name;
    Reader reader(out.diagnostics);
    const YamlNode& root = parsed.documents.front().root;
    if (!root.isMap()) {
        reader.error("ILAB-SCENARIO-002", "not a scenario: the document is not a map",
                     root.location);
        return out;
    }
    readScenario(reader, root, s, base_directory);
    out.scenario = std::move(s);
    return out;
}

LoadedScenario loadScenario(const std::string& path) {
    fs::path file(path);
    std::error_code ec;
    if (fs::is_directory(file, ec)) {  // a scenario folder
        file /= "scenario.yaml";
        if (!fs::exists(file, ec)) {
            LoadedScenario out;
            out.diagnostics.error("ILAB-SCENARIO-001",
                                  "cannot read the scenario: " + core::quoted(path) +
                                      " is a folder with no scenario.yaml in it",
                                  {std::make_shared<const std::string>(path), 0, 0},
                                  "name the scenario file, or a folder that holds scenario.yaml");
            return out;
        }
    }
    core::InputText input = core::readInputFile(file);
    if (!input.ok()) {
        LoadedScenario out;
        auto& d = core::addInputError(out.diagnostics, input,
                                      {std::make_shared<const std::string>(file.string()), 0, 0},
                                      "ILAB-SCENARIO-001");
        if (d.code == "ILAB-SCENARIO-001") d.message = "cannot read the scenario: " + d.message;
        if (input.error == core::InputError::Missing)
            d.hint =
                "name a scenario file, or a folder that holds scenario.yaml (ingress-lab run "
                "scenarios/shop)";
        return out;
    }
    return loadScenarioFromText(input.text, file.string(), file.parent_path().string());
}

}  // namespace ilab::scenario
