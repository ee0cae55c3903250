#include "engine/telemetry/request_event.h"

#include <algorithm>

namespace ilab::telemetry {
namespace {

Micros since(TimePoint from, TimePoint to) {
    // A clock never runs backwards, but a proxy that fills a field late or not at all must not
    // turn into a negative duration in a histogram.
    return std::max(Micros{0}, std::chrono::duration_cast<Micros>(to - from));
}

std::string joinRef(const std::string& ns, const std::string& name) {
    if (name.empty()) return {};
    return ns + "/" + name;
}

}  // namespace

std::string ObjectRef::str() const {
    return joinRef(ns, name);
}
std::string ServiceRef::str() const {
    return joinRef(ns, name);
}

std::optional<Micros> UpstreamAttempt::connectTime() const {
    if (!connected) return std::nullopt;
    return since(start, *connected);
}

std::optional<Micros> UpstreamAttempt::headerTime() const {
    if (!first_byte) return std::nullopt;
    return since(start, *first_byte);
}

Micros UpstreamAttempt::responseTime() const {
    return since(start, end);
}

Micros RequestEvent::requestTime() const {
    return since(accepted, complete);
}

const UpstreamAttempt* RequestEvent::lastUpstream() const {
    return upstreams.empty() ? nullptr : &upstreams.back();
}

std::optional<TimePoint> RequestEvent::upstreamConnected() const {
    const auto* last = lastUpstream();
    return last ? last->connected : std::nullopt;
}

std::optional<TimePoint> RequestEvent::firstByte() const {
    const auto* last = lastUpstream();
    return last ? last->first_byte : std::nullopt;
}

std::string_view RequestEvent::pod() const {
    const auto* last = lastUpstream();
    return last ? std::string_view(last->pod) : std::string_view();
}

std::uint32_t RequestEvent::retries() const {
    return upstreams.empty() ? 0 : static_cast<std::uint32_t>(upstreams.size() - 1);
}

const ServiceRef& RequestEvent::servingService() const {
    return canary && !canary_service.empty() ? canary_service : service;
}

std::string RequestEvent::upstreamName() const {
    return upstream_name.empty() ? upstreamNameFor(service) : upstream_name;
}

std::string RequestEvent::alternativeUpstreamName() const {
    if (!alternative_upstream_name.empty()) return alternative_upstream_name;
    return canary ? upstreamNameFor(canary_service) : std::string();
}

std::string upstreamNameFor(const ServiceRef& service) {
    if (service.empty()) return {};
    return service.ns + "-" + service.name + "-" + service.port;
}

int statusClass(int status) {
    return status >= 100 && status <= 599 ? status / 100 : 0;
}

}  // namespace ilab::telemetry
