#pragma once
// What the controller does with one request, and why. The proxy, `explain`, the studio's
// inspector, the web UI and scenario reports all show this same value.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ilab::routing {

enum class Action { Forward, Redirect, Respond };
std::string_view actionName(Action action);

struct BackendRef {
    std::string namespace_;
    std::string service;
    std::string port;                    // as the Ingress names it: a number or a port name
    int service_port = 0;                // resolved Service port number (0 when unresolved)
    std::string target_port;             // the Service port's targetPort
    std::vector<std::string> endpoints;  // ready pods, "name ip:port"-free pod names
};

struct WeightShare {
    std::string service;
    double share = 0;  // 0..1
};

struct RuleRef {
    std::string host;  // "" for a rule without host (or the default backend)
    std::string path;
    std::string path_type;
};

struct TraceStep {
    enum class Kind { Info, Matched, Skipped, Acted };
    Kind kind = Kind::Info;
    std::string stage;    // normalise, server, location, canary, policy, backend, ...
    std::string message;  // one line for people
};
std::string_view traceKindName(TraceStep::Kind kind);

struct Decision {
    Action action = Action::Respond;
    int status = 404;
    std::string location;  // Redirect: the Location header
    // Redirect: the controller's HTTP to HTTPS redirect (ssl-redirect, force-ssl-redirect), to
    // port 443. The live lab names its own HTTPS port instead when it listens elsewhere.
    bool https_redirect = false;
    std::string reason;    // Respond: why (e.g. "no ready endpoints")
    // Forward: shared with the RouteTable that decided, so a match copies no endpoint list.
    std::shared_ptr<const BackendRef> backend;
    bool canary = false;
    std::optional<std::string> canary_ingress;  // "namespace/name" of the canary, when it serves
    std::vector<WeightShare> weights;  // when a weighted canary split applies
    std::optional<std::uint64_t> canary_draw;  // that split's draw, 1..total, when one was made
    struct Upstream {
        std::string host;  // Host header the backend receives
        std::string path;  // path and query the backend receives
    } upstream;
    std::vector<std::pair<std::string, std::string>> upstream_headers;  // added for the backend
    // The backend never receives the client's Authorization: a basic-auth location renders
    // `proxy_set_header Authorization ""` (nginx.tmpl), and nginx drops a header set to "". A
    // bool, not a list of names: the proxy builds and moves a Decision per request.
    bool clears_authorization = false;
    // nginx's $remote_addr once the realip module ran (use-forwarded-headers, enable-real-ip):
    // the address X-Real-IP and X-Forwarded-For carry upstream; "" when it is the peer's.
    std::string client_ip;
    // X-Forwarded-For upstream when it is not client_ip: compute-full-forwarded-for's
    // "<the client's X-Forwarded-For>, <the peer>".
    std::string forwarded_for;
    std::vector<std::pair<std::string, std::string>> response_headers;  // added for the client
    std::optional<std::string> ingress;  // "namespace/name" of the Ingress that decided
    // Past nginx's rewrite phase (its redirects): limit_req and limit_conn run before this
    // answer, so the live proxy's rate limits apply even to a 403 from an allow list.
    bool reached_access_phase = false;
    // The default-backend annotation's Service: custom-http-errors are fetched from it.
    std::shared_ptr<const BackendRef> fallback;
    std::optional<RuleRef> rule;
    std::vector<TraceStep> trace;
};

}  // namespace ilab::routing
