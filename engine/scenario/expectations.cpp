// Judging a run: the names a scenario uses must exist; request expectations through the
// decision core and the live proxy; metric expectations over the measured requests.
#include "engine/scenario/expectations.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/core/text.h"

namespace ilab::scenario {

std::string percentText(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", 100.0 * fraction);
    return text;
}

std::string formatValue(double v, int digits) {
    std::ostringstream out;
    out.precision(digits);
    out << std::fixed << v;
    std::string s = out.str();
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

namespace {

// --- names a scenario refers to must exist -----------------------------------------------

class ReferenceCheck {
  public:
    ReferenceCheck(const model::Manifests& m, core::Diagnostics& d) : m_(m), d_(d) {}

    void target(const cluster::Target& t, const core::SourceLocation& at) {
        bool found = false;
        switch (t.kind) {
            case cluster::Target::Kind::Service:
                found = m_.findService(t.namespace_, t.name) != nullptr;
                break;
            case cluster::Target::Kind::Workload:
                found = std::any_of(m_.workloads.begin(), m_.workloads.end(), [&](const auto& w) {
                    return w.meta.namespace_ == t.namespace_ && w.meta.name == t.name;
                });
                break;
            case cluster::Target::Kind::Pod:
                found = std::any_of(m_.pods.begin(), m_.pods.end(), [&](const auto& p) {
                    return p.meta.namespace_ == t.namespace_ && p.meta.name == t.name;
                });
                break;
        }
        if (!found)
            unknown(std::string(t.kind == cluster::Target::Kind::Service    ? "Service"
                                : t.kind == cluster::Target::Kind::Workload ? "workload"
                                                                            : "pod") +
                        " " + core::quoted(t.namespace_ + "/" + t.name),
                    at, core::didYouMean(t.namespace_ + "/" + t.name, namesOf(t.kind)));
    }
    void service(const std::string& name, const core::SourceLocation& at) {
        if (name.empty()) return;
        if (std::none_of(m_.services.begin(), m_.services.end(),
                         [&](const auto& s) { return s.meta.name == name; }))
            unknown("Service " + core::quoted(name), at);
    }
    void ingress(const std::string& name, const core::SourceLocation& at) {
        if (name.empty()) return;
        if (std::none_of(m_.ingresses.begin(), m_.ingresses.end(), [&](const auto& i) {
                return i.meta.name == name || i.meta.qualifiedName() == name;
            }))
            unknown("Ingress " + core::quoted(name), at);
    }
    void route(const std::string& path, const core::SourceLocation& at) {
        if (path.empty()) return;
        for (const auto& ing : m_.ingresses)
            for (const auto& rule : ing.rules)
                for (const auto& p : rule.paths)
                    if (p.path == path) return;
        unknown("route (rule path) " + core::quoted(path), at);
    }

  private:
    // "namespace/name" of every object of that kind, for a did-you-mean.
    std::vector<std::string_view> namesOf(cluster::Target::Kind kind) {
        std::vector<std::string>& names = qualified_[static_cast<int>(kind)];
        if (names.empty()) {
            if (kind == cluster::Target::Kind::Service)
                for (const auto& s : m_.services)
                    names.push_back(s.meta.qualifiedName());
            if (kind == cluster::Target::Kind::Workload)
                for (const auto& w : m_.workloads)
                    names.push_back(w.meta.qualifiedName());
            if (kind == cluster::Target::Kind::Pod)
                for (const auto& p : m_.pods)
                    names.push_back(p.meta.qualifiedName());
        }
        return {names.begin(), names.end()};
    }
    void unknown(const std::string& what, const core::SourceLocation& at,
                 std::string did_you_mean = "") {
        d_.error("ILAB-SCENARIO-006",
                 "the scenario names " + what + ", which the manifests do not define", at,
                 did_you_mean.empty()
                     ? "check the spelling against the manifests, or add it to them"
                     : did_you_mean);
    }
    std::vector<std::string> qualified_[3];
    const model::Manifests& m_;
    core::Diagnostics& d_;
};

}  // namespace

void checkReferences(const Scenario& s, const model::Manifests& m, core::Diagnostics& d) {
    ReferenceCheck check(m, d);
    for (const auto& b : s.behaviors) check.target(b.target.target, b.target.location);
    for (const auto& e : s.timeline) {
        if (e.kind == TimelineEntry::Kind::Fault)
            check.target(e.fault.target, e.fault_target_location);
        if (e.kind == TimelineEntry::Kind::Behavior)
            check.target(e.behavior.target.target, e.behavior.target.location);
    }
    for (const auto& e : s.timeline) {
        if (e.kind == TimelineEntry::Kind::Scale)
            check.target({cluster::Target::Kind::Workload, e.scale.namespace_, e.scale.workload},
                         e.location);
        if (e.kind == TimelineEntry::Kind::Roll)
            check.target({cluster::Target::Kind::Workload, e.roll.namespace_, e.roll.workload},
                         e.location);
        if (e.kind == TimelineEntry::Kind::Promote) {
            check.ingress(e.promote.namespace_ + "/" + e.promote.ingress, e.location);
            check.service(e.promote.service, e.location);
        }
    }
    for (const auto& x : s.request_expectations)
        if (x.backend) check.service(*x.backend, x.location);
    for (const auto& x : s.metric_expectations) {
        check.service(x.filter.service, x.location);
        check.service(x.share_of, x.location);
        check.ingress(x.filter.ingress, x.location);
        check.route(x.filter.route, x.location);
    }
}

namespace {

// --- request expectations ------------------------------------------------------------------

// Compares one side (the decision core or the live proxy) with the expectation.
void compare(const RequestExpectation& x, const std::string& side, int status,
             const std::string& backend, std::optional<bool> canary, const std::string& location,
             std::optional<std::string> upstream_path, std::vector<std::string>& wrong) {
    if (x.status && *x.status != status)
        wrong.push_back(side + " status " + std::to_string(status));
    if (x.backend && *x.backend != backend)
        wrong.push_back(side + " backend " + (backend.empty() ? "(none)" : backend));
    if (x.canary && canary && *x.canary != *canary)
        wrong.push_back(side + std::string(*canary ? " served by the canary" : " not by the canary"));
    if (x.location_header && *x.location_header != location)
        wrong.push_back(side + " location " + (location.empty() ? "(none)" : location));
    if (x.upstream_path && upstream_path && *x.upstream_path != *upstream_path)
        wrong.push_back(side + " upstream path " + *upstream_path);
}

std::string expectedText(const RequestExpectation& x) {
    std::vector<std::string> parts;
    if (x.status) parts.push_back("status " + std::to_string(*x.status));
    if (x.backend) parts.push_back("backend " + (x.backend->empty() ? "(none)" : *x.backend));
    if (x.canary) parts.push_back(*x.canary ? "canary" : "not canary");
    if (x.location_header) parts.push_back("location " + *x.location_header);
    if (x.upstream_path) parts.push_back("upstream path " + *x.upstream_path);
    return core::join(parts, ", ");
}

}  // namespace

namespace {

// The live lab writes its own HTTPS port into the controller's HTTPS redirect (docs/proxy.md);
// an expectation states the controller's answer, so that port is taken out again.
std::string withoutLabHttpsPort(std::string location, std::uint16_t https_port) {
    const std::string port = ":" + std::to_string(https_port);
    if (!location.starts_with("https://")) return location;
    const std::size_t path = location.find('/', 8);
    const std::size_t host_end = path == std::string::npos ? location.size() : path;
    if (host_end >= 8 + port.size() && location.compare(host_end - port.size(), port.size(), port) == 0)
        location.erase(host_end - port.size(), port.size());
    return location;
}

}  // namespace

ExpectationResult checkRequest(const RequestExpectation& x, lab::Lab& lab, LoadGenerator& client,
                               std::size_t controller) {
    ExpectationResult r;
    r.kind = ExpectationResult::Kind::Request;
    r.name = x.name;
    r.location = x.location;
    r.expected = expectedText(x);
    std::vector<std::string> wrong;

    const lab::RunningController serving = lab.controllers().at(controller);
    const std::uint16_t port = x.request.scheme == "https" ? serving.https_port : serving.http_port;
    const auto table = lab.routeTable(controller);
    const routing::Decision d = table->match(routingRequest(x.request, port), nullptr);
    compare(x, "decision core:", d.status == 0 ? 200 : d.status,
            d.backend ? d.backend->service : "", d.canary, d.location,
            d.action == routing::Action::Forward ? std::optional(d.upstream.path) : std::nullopt,
            wrong);

    const RequestRecord live = client.send(x.request);
    std::string backend;
    std::optional<std::string> path;
    std::optional<bool> canary;
    if (auto j = nlohmann::json::parse(live.body, nullptr, false); j.is_object() && j.contains("pod")) {
        backend = j.value("service", "");
        std::string query = j.value("query", "");
        path = j.value("path", "") + (query.empty() ? "" : "?" + query);
    }
    if (live.status == 0) {
        wrong.push_back("live proxy: no response (" + live.error + ")");
    } else {
        // The decision core says which side a canary split takes only with a seed; the live
        // answer names the Service that served.
        if (x.canary && d.backend && !backend.empty())
            canary = backend != d.backend->service ? std::optional(!d.canary) : std::optional(d.canary);
        const std::string location =
            d.https_redirect ? withoutLabHttpsPort(live.location, serving.https_port) : live.location;
        compare(x, "live proxy:", live.status, backend, canary, location, path, wrong);
    }
    r.passed = wrong.empty();
    r.measured = r.passed ? "decision core and live proxy agree: " + r.expected
                          : core::join(wrong, "; ");
    return r;
}

namespace {

// --- measuring -------------------------------------------------------------------------------

bool matchesStatus(const std::string& filter, int status) {
    if (filter.empty()) return true;
    if (filter[1] == 'x') return status / 100 == filter[0] - '0';
    return std::to_string(status) == filter;
}

// The name of the controller a traffic request went to ("" for a single request).
std::string requestControllerName(const RequestRecord& r, const Scenario& s) {
    if (r.profile < 0) return "";
    const TrafficProfile& p = s.traffic[static_cast<std::size_t>(r.profile)];
    const std::string& named = p.requests[static_cast<std::size_t>(r.request)].controller;
    if (!named.empty()) return named;
    return s.controllers.empty() ? "" : s.controllers.front().name;
}

std::vector<const Measured*> select(const std::vector<Measured>& all, const MetricFilter& f,
                                    const Scenario& s) {
    std::vector<const Measured*> out;
    for (const Measured& m : all) {
        const RequestRecord& r = *m.record;
        if (!f.controller.empty() && requestControllerName(r, s) != f.controller) continue;
        if (!f.profile.empty() &&
            (r.profile < 0 || s.traffic[static_cast<std::size_t>(r.profile)].name != f.profile))
            continue;
        if (f.from && m.at_s * 1000 < static_cast<double>(f.from->count())) continue;
        if (f.to && m.at_s * 1000 >= static_cast<double>(f.to->count())) continue;
        if (!matchesStatus(f.status, r.status)) continue;
        const RoutedAs* a = m.routed;
        if (!f.service.empty() && (!a || a->service != f.service)) continue;
        if (!f.ingress.empty() &&
            (!a || (a->ingress != f.ingress && a->ingress.substr(a->ingress.find('/') + 1) != f.ingress)))
            continue;
        if (!f.pod.empty() && (!a || (a->pod != f.pod && !a->pod.starts_with(f.pod + "-"))))
            continue;
        if (!f.route.empty() && (!a || a->rule_path != f.route)) continue;
        out.push_back(&m);
    }
    return out;
}

}  // namespace

ExpectationResult checkMetric(const MetricExpectation& x, const std::vector<Measured>& all,
                              const Scenario& s) {
    using M = MetricExpectation::Metric;
    ExpectationResult r;
    r.kind = ExpectationResult::Kind::Metric;
    r.name = x.name;
    r.location = x.location;
    r.expected = x.describe();
    const auto chosen = select(all, x.filter, s);
    const bool counts = x.metric == M::Requests || x.metric == M::StatusCount;
    if (chosen.empty() && !counts) {
        r.passed = false;
        r.measured = "no request matched the filter";
        return r;
    }
    double value = 0;
    std::string unit;
    switch (x.metric) {
        case M::LatencyPercentile:
        case M::LatencyMean: {
            std::vector<double> latencies;
            for (const Measured* m : chosen) latencies.push_back(m->record->latencyMs());
            if (x.metric == M::LatencyMean) {
                for (double l : latencies) value += l;
                value /= static_cast<double>(latencies.size());
            } else {
                value = percentile(std::move(latencies), x.percentile);
            }
            unit = " ms";
            break;
        }
        case M::ErrorRate: {
            std::size_t errors = 0;
            for (const Measured* m : chosen) errors += m->record->status == 0 || m->record->status >= 500;
            value = static_cast<double>(errors) / static_cast<double>(chosen.size());
            break;
        }
        case M::Requests:
        case M::StatusCount:
            value = static_cast<double>(chosen.size());
            break;
        case M::Share: {
            std::size_t hits = 0;
            for (const Measured* m : chosen) hits += m->routed && m->routed->service == x.share_of;
            value = static_cast<double>(hits) / static_cast<double>(chosen.size());
            break;
        }
        case M::PodsReached: {
            std::set<std::string> pods;
            for (const Measured* m : chosen)
                if (m->routed && !m->routed->pod.empty()) pods.insert(m->routed->pod);
            value = static_cast<double>(pods.size());
            break;
        }
    }
    r.value = value;
    r.passed = (!x.min || value >= *x.min) && (!x.max || value <= *x.max);
    // A share or a rate is written as a fraction in the scenario; people read it as a percent.
    const bool ratio = x.metric == M::ErrorRate || x.metric == M::Share;
    const std::string requests =
        std::to_string(chosen.size()) + (chosen.size() == 1 ? " request" : " requests");
    r.measured = ratio ? formatValue(value) + " (" + percentText(value) + ") of " + requests
                       : formatValue(value) + unit + " over " + requests;
    return r;
}

}  // namespace ilab::scenario
