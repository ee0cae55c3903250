#pragma once
// CORS the way ingress-nginx's nginx.tmpl renders enable-cors: which response headers a
// location adds, for which Origin. Pure functions of the policy and the request: the decision
// core answers the preflight 204 with them, the proxy adds them to every response of the
// location (whatever its status, X05).
// Thread-safe: no state.
#include <optional>
#include <string_view>

#include "engine/dialect/policies.h"
#include <string>
#include <utility>
#include <vector>

namespace ilab::dialect {

using CorsHeaders = std::vector<std::pair<std::string, std::string>>;

// Does the Origin pass cors-allow-origin? As the template's `$http_origin ~* (...)$`:
// case-insensitive, anchored at the end but not at the start, `*` in an entry standing for one
// DNS label ([A-Za-z0-9-]+), ports compared as text. An allow list containing "*" allows any
// origin, including none; otherwise a request without Origin is not allowed.
bool corsOriginAllowed(const CorsPolicy& policy, std::optional<std::string_view> origin);

struct CorsOutcome {
    // The location has CORS and the origin passed: `headers` go on the response.
    bool applies = false;
    // OPTIONS from an allowed origin: ingress-nginx answers 204 itself (never proxied), with
    // `headers` plus Content-Type "text/plain charset=UTF-8" and Content-Length 0.
    bool preflight = false;
    // Access-Control-Allow-Origin ("*" or the request's Origin as sent), -Allow-Credentials
    // ("true", unless cors-allow-credentials is false; also sent with "*"), -Allow-Methods,
    // -Allow-Headers, -Expose-Headers (when set), -Max-Age, in the template's order.
    CorsHeaders headers;
};

// What enable-cors does to a request with this Origin and method. A disabled policy, or an
// origin that does not pass, gives an empty outcome: no CORS header, and OPTIONS is proxied.
CorsOutcome evaluateCors(const CorsPolicy& policy, std::optional<std::string_view> origin,
                         std::string_view method);

// The extra headers of the controller's own preflight answer.
CorsHeaders corsPreflightHeaders(const CorsOutcome& outcome);

}  // namespace ilab::dialect
