#include "engine/cluster/echo.h"

#include <boost/beast/http/status.hpp>

#include <ctime>

#include <nlohmann/json.hpp>

namespace ilab::cluster {

std::string echoJson(const PodInfo& pod, std::uint16_t port,
                     const std::optional<std::string>& service, const EchoRequest& request,
                     int status) {
    using Json = nlohmann::ordered_json;
    Json j;
    j["pod"] = pod.name;
    j["namespace"] = pod.namespace_;
    j["pod_ip"] = pod.ip;
    j["port"] = port;
    j["service"] = service ? Json(*service) : Json(nullptr);
    j["labels"] = Json::object();
    for (const auto& [k, v] : pod.labels)
        j["labels"][k] = v;
    auto version = pod.labels.find("version");
    j["version"] = version != pod.labels.end() ? Json(version->second) : Json(nullptr);
    j["method"] = std::string(request.method);
    const auto question = request.target.find('?');
    j["path"] = std::string(request.target.substr(0, question));
    j["query"] = question == std::string_view::npos
                     ? std::string()
                     : std::string(request.target.substr(question + 1));
    j["http_version"] = request.version == 10   ? "1.0"
                        : request.version == 11 ? "1.1"
                                                : std::to_string(request.version / 10) + "." +
                                                      std::to_string(request.version % 10);
    // A repeated header is joined with ", " (RFC 9110 5.3), keeping the name as first received.
    Json headers = Json::object();
    for (const auto& [name, value] : request.headers) {
        auto& slot = headers[std::string(name)];
        if (slot.is_string()) {
            slot = slot.get<std::string>() + ", " + std::string(value);
        } else {
            slot = std::string(value);
        }
    }
    j["headers"] = std::move(headers);
    j["body_bytes"] = request.body_bytes;
    j["status"] = status;
    // Header bytes are whatever the client sent: replace invalid UTF-8 instead of throwing.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

BodyPlan padJson(std::string json, std::uint64_t min_size) {
    BodyPlan plan;
    if (json.size() >= min_size || json.size() < 2 || json.back() != '}') {
        plan.head = std::move(json);
        return plan;
    }
    json.pop_back();
    plan.head = std::move(json);
    plan.head += plan.head.size() > 1 ? ",\"padding\":\"" : "\"padding\":\"";
    plan.tail = "\"}";
    const std::uint64_t fixed = plan.head.size() + plan.tail.size();
    plan.filler = min_size > fixed ? min_size - fixed : 0;
    return plan;
}

std::string_view reasonPhrase(int status) {
    const auto known = boost::beast::http::obsolete_reason(
        static_cast<boost::beast::http::status>(status));
    if (known != "<unknown-status>") return {known.data(), known.size()};
    if (status >= 200 && status < 300) return "Success";
    if (status >= 300 && status < 400) return "Redirection";
    if (status >= 400 && status < 500) return "Client Error";
    return "Server Error";
}

std::string responseHead(int status,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
    head += reasonPhrase(status);
    head += "\r\n";
    for (const auto& [name, value] : headers) {
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    head += "\r\n";
    return head;
}

bool statusHasBody(int status) {
    return status >= 200 && status != 204 && status != 304;
}

}  // namespace ilab::cluster
