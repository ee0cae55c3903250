#include "engine/routing/decision_json.h"

#include <charconv>

namespace ilab::routing {
namespace {

// A port number as a JSON number, anything else (a port name) as written. from_chars, not
// std::stoi: digits beyond int's range stay a string instead of throwing.
nlohmann::json portJson(const std::string& port) {
    int number = 0;
    const char* end = port.data() + port.size();
    const auto [ptr, error] = std::from_chars(port.data(), end, number);
    const bool numeric = !port.empty() && port.front() != '-' && error == std::errc() && ptr == end;
    return numeric ? nlohmann::json(number) : nlohmann::json(port);
}

}  // namespace

nlohmann::json decisionToJson(const Decision& d) {
    nlohmann::json j;
    j["action"] = actionName(d.action);
    if (d.action != Action::Forward) j["status"] = d.status;
    if (d.action == Action::Redirect) j["location"] = d.location;
    if (d.action == Action::Respond) j["reason"] = d.reason;
    if (d.backend) {
        j["backend"] = {{"namespace", d.backend->namespace_},
                        {"service", d.backend->service},
                        {"port", portJson(d.backend->port)},
                        {"servicePort", d.backend->service_port},
                        {"targetPort", portJson(d.backend->target_port)},
                        {"endpoints", d.backend->endpoints}};
    } else {
        j["backend"] = nullptr;
    }
    j["canary"] = d.canary;
    if (!d.weights.empty()) {
        auto& weights = j["weights"] = nlohmann::json::array();
        for (const auto& w : d.weights)
            weights.push_back({{"service", w.service}, {"share", w.share}});
    }
    if (d.action == Action::Forward) {
        j["upstream"] = {{"host", d.upstream.host}, {"path", d.upstream.path}};
        if (!d.upstream_headers.empty()) {
            auto& headers = j["upstream"]["headers"] = nlohmann::json::object();
            for (const auto& [name, value] : d.upstream_headers)
                headers[name] = value;
        }
        if (d.clears_authorization)
            j["upstream"]["clearedHeaders"] = nlohmann::json::array({"Authorization"});
    }
    if (!d.response_headers.empty()) {
        auto& headers = j["responseHeaders"] = nlohmann::json::object();
        for (const auto& [name, value] : d.response_headers)
            headers[name] = value;
    }
    j["ingress"] = d.ingress ? nlohmann::json(*d.ingress) : nlohmann::json(nullptr);
    if (d.rule) {
        j["rule"] = {
            {"host", d.rule->host}, {"path", d.rule->path}, {"pathType", d.rule->path_type}};
    } else {
        j["rule"] = nullptr;
    }
    auto& trace = j["trace"] = nlohmann::json::array();
    for (const auto& s : d.trace)
        trace.push_back(
            {{"stage", s.stage}, {"kind", traceKindName(s.kind)}, {"message", s.message}});
    return j;
}

}  // namespace ilab::routing
