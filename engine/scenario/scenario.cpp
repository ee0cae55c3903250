#include <sstream>

#include "engine/scenario/scenario.h"

#include "engine/core/text.h"

namespace ilab::scenario {
namespace {

std::string targetText(const cluster::Target& t) {
    const char* kind = t.kind == cluster::Target::Kind::Pod        ? "pod"
                       : t.kind == cluster::Target::Kind::Workload ? "workload"
                                                                   : "service";
    return std::string(kind) + " " + (t.namespace_ == "default" ? "" : t.namespace_ + "/") + t.name;
}

std::string faultName(cluster::FaultSpec::Kind k) {
    using K = cluster::FaultSpec::Kind;
    switch (k) {
        case K::Kill: return "kill";
        case K::Unready: return "unready";
        case K::Latency: return "latency";
        case K::Status: return "status";
        case K::Reset: return "reset";
        case K::BlackHole: return "blackhole";
        case K::Throttle: return "throttle";
        case K::CloseAfterHeaders: return "closeAfterHeaders";
    }
    return "fault";
}

std::string number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

}  // namespace

std::string TimelineEntry::describe() const {
    switch (kind) {
        case Kind::Fault: {
            std::string text = "fault " + faultName(fault.kind);
            if (fault.kind == cluster::FaultSpec::Kind::Status)
                text += " " + std::to_string(fault.status);
            if (fault.kind == cluster::FaultSpec::Kind::Latency)
                text += " +" + number(fault.latency_ms) + " ms";
            text += " on " + targetText(fault.target);
            if (fault.probability < 1) text += " (p " + number(fault.probability) + ")";
            return text;
        }
        case Kind::Behavior:
            return "behaviour of " + targetText(behavior.target.target) + " changes";
        case Kind::Apply:
            return "apply " + apply_path;
        case Kind::Pause:
            return pause_profile.empty() ? "pause all traffic" : "pause " + pause_profile;
        case Kind::Scale:
            return "scale " + scale.workload + " to " + std::to_string(scale.replicas);
        case Kind::Roll:
            return "rolling update of " + roll.workload;
        case Kind::Promote: {
            std::string steps;
            for (int w : promote.weights) steps += (steps.empty() ? "" : " → ") + std::to_string(w);
            return "progressive canary " + promote.ingress + ": " + steps + "%";
        }
    }
    return "";
}

std::string MetricExpectation::describe() const {
    std::string text;
    switch (metric) {
        case Metric::LatencyPercentile: text = "latency p" + number(percentile); break;
        case Metric::LatencyMean: text = "latency mean"; break;
        case Metric::ErrorRate: text = "error rate"; break;
        case Metric::StatusCount: text = "responses"; break;
        case Metric::Requests: text = "requests"; break;
        case Metric::Share: text = "share of " + share_of; break;
        case Metric::PodsReached: text = "pods reached"; break;
    }
    std::vector<std::string> where;
    if (!filter.controller.empty()) where.push_back("controller " + filter.controller);
    if (!filter.profile.empty()) where.push_back("profile " + filter.profile);
    if (!filter.service.empty()) where.push_back("service " + filter.service);
    if (!filter.ingress.empty()) where.push_back("ingress " + filter.ingress);
    if (!filter.pod.empty()) where.push_back("pod " + filter.pod);
    if (!filter.route.empty()) where.push_back("route " + filter.route);
    if (!filter.status.empty()) where.push_back("status " + filter.status);
    if (filter.from || filter.to)
        where.push_back("from " + number(filter.from ? static_cast<double>(filter.from->count()) / 1000.0 : 0) + "s" +
                        (filter.to ? " to " + number(static_cast<double>(filter.to->count()) / 1000.0) + "s" : ""));
    if (!where.empty()) {
        std::string joined;
        for (const auto& w : where) joined += (joined.empty() ? "" : ", ") + w;
        text += " (" + joined + ")";
    }
    const bool latency = metric == Metric::LatencyPercentile || metric == Metric::LatencyMean;
    const std::string unit = latency ? " ms" : "";
    if (min && max)
        text += " in [" + number(*min) + ", " + number(*max) + "]" + unit;
    else if (max)
        text += " <= " + number(*max) + unit;
    else if (min)
        text += " >= " + number(*min) + unit;
    return text;
}

bool splitUrl(RequestSpec& r) {
    const auto scheme_end = r.url.find("://");
    if (scheme_end == std::string::npos) return false;
    r.scheme = core::toLower(r.url.substr(0, scheme_end));
    if (r.scheme != "http" && r.scheme != "https") return false;
    const std::string rest = r.url.substr(scheme_end + 3);
    const auto slash = rest.find_first_of("/?");
    r.host = rest.substr(0, slash);
    r.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (!r.target.empty() && r.target.front() == '?') r.target = "/" + r.target;
    return !r.host.empty();
}

routing::Request routingRequest(const RequestSpec& spec, std::uint16_t port) {
    routing::Request r;
    r.method = spec.method;
    r.scheme = spec.scheme;
    r.host = spec.host;
    r.target = spec.target;
    r.port = port;
    r.client_ip = spec.client_ip.empty() ? "127.0.0.1" : spec.client_ip;
    for (const auto& h : spec.headers) r.headers.push_back(h);
    if (!spec.cookies.empty()) {
        std::string cookie;
        for (const auto& [name, value] : spec.cookies)
            cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
        r.headers.emplace_back("Cookie", cookie);
    }
    if (spec.body_bytes > 0) r.content_length = spec.body_bytes;
    return r;
}

}  // namespace ilab::scenario
