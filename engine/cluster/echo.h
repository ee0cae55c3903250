#pragma once
// What a pod says: the echo JSON, the padding that grows it to a response size, and the HTTP/1.1
// response head. Pure text building, kept out of the Beast TU so it compiles in seconds and
// unit-tests without sockets.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ilab::cluster {

// Who a pod is, as the echo reports it. Immutable; shared by the pod's sessions.
struct PodInfo {
    std::string name, namespace_, ip;
    std::map<std::string, std::string> labels;
};

// The parts of a request the echo reports, as received.
struct EchoRequest {
    std::string_view method;
    std::string_view target;                                             // path and query
    unsigned version = 11;                                               // 10 or 11
    std::vector<std::pair<std::string_view, std::string_view>> headers;  // in arrival order
    std::uint64_t body_bytes = 0;
};

// The echo JSON (docs/cluster.md lists its fields). Invalid UTF-8 in headers is replaced, never
// thrown.
std::string echoJson(const PodInfo& pod, std::uint16_t port,
                     const std::optional<std::string>& service, const EchoRequest& request,
                     int status);

// A body of `head`, then `filler` 'x' bytes, then `tail`: lets a pod send a padded echo or
// /bytes/N without holding it in memory.
struct BodyPlan {
    std::string head;
    std::uint64_t filler = 0;
    std::string tail;
    std::uint64_t size() const { return head.size() + filler + tail.size(); }
};

// `json` (an object) with a "padding" string field making it at least `min_size` bytes.
BodyPlan padJson(std::string json, std::uint64_t min_size);

// The standard reason phrase (Beast's table), or the status class for codes it lacks.
std::string_view reasonPhrase(int status);

// "HTTP/1.1 <status> <reason>\r\n" + "Name: value\r\n"... + "\r\n".
std::string responseHead(int status,
                         const std::vector<std::pair<std::string, std::string>>& headers);

// May this status carry a body (not 1xx, 204 or 304)?
bool statusHasBody(int status);

}  // namespace ilab::cluster
