#include "engine/dialect/cors.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "engine/core/text.h"

namespace ilab::dialect {
namespace {

bool isLabelChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
}

bool hasWildcard(const CorsPolicy& policy) {
    return std::find(policy.allow_origins.begin(), policy.allow_origins.end(), "*") !=
           policy.allow_origins.end();
}

// One entry of buildCorsOriginRegex: regexp.QuoteMeta(entry) with its first `*` turned into
// [A-Za-z0-9\-]+, matched case-insensitively against the end of the Origin. Later `*`s stay
// literal, as QuoteMeta left them.
bool entryMatches(std::string_view entry, std::string_view origin_lower) {
    const std::string e = core::toLower(core::trim(entry));
    if (e.empty()) return false;  // the dialect drops empty entries; never match everything
    const auto star = e.find('*');
    if (star == std::string::npos) return core::endsWith(origin_lower, e);
    const std::string_view before = std::string_view(e).substr(0, star);
    const std::string_view after = std::string_view(e).substr(star + 1);
    if (!core::endsWith(origin_lower, after)) return false;
    // origin = ... before label after, with a non-empty label of [A-Za-z0-9-].
    const std::string_view head = origin_lower.substr(0, origin_lower.size() - after.size());
    std::size_t label = 0;
    while (label < head.size() && isLabelChar(head[head.size() - 1 - label])) {
        ++label;
        if (core::endsWith(head.substr(0, head.size() - label), before)) return true;
    }
    return false;
}

}  // namespace

bool corsOriginAllowed(const CorsPolicy& policy, std::optional<std::string_view> origin) {
    if (hasWildcard(policy)) return true;
    // `$http_origin ~* (...)$` on an absent header tests the empty string, which no entry of
    // the dialect's form (scheme://host) matches.
    if (!origin || origin->empty()) return false;
    const std::string lower = core::toLower(*origin);
    return std::any_of(policy.allow_origins.begin(), policy.allow_origins.end(),
                       [&](const std::string& entry) { return entryMatches(entry, lower); });
}

CorsOutcome evaluateCors(const CorsPolicy& policy, std::optional<std::string_view> origin,
                         std::string_view method) {
    CorsOutcome out;
    if (!policy.enabled || !corsOriginAllowed(policy, origin)) return out;
    out.applies = true;
    out.preflight = core::iequals(method, "OPTIONS");
    // `set $http_origin *` for the wildcard; otherwise the Origin is echoed as the client sent it.
    out.headers.emplace_back("Access-Control-Allow-Origin",
                             hasWildcard(policy) ? std::string("*") : std::string(*origin));
    if (policy.allow_credentials)
        out.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    out.headers.emplace_back("Access-Control-Allow-Methods", policy.allow_methods);
    out.headers.emplace_back("Access-Control-Allow-Headers", policy.allow_headers);
    if (!policy.expose_headers.empty())
        out.headers.emplace_back("Access-Control-Expose-Headers", policy.expose_headers);
    out.headers.emplace_back("Access-Control-Max-Age", std::to_string(policy.max_age));
    return out;
}

CorsHeaders corsPreflightHeaders(const CorsOutcome& outcome) {
    CorsHeaders headers = outcome.headers;
    headers.emplace_back("Content-Type", "text/plain charset=UTF-8");
    headers.emplace_back("Content-Length", "0");
    return headers;
}

}  // namespace ilab::dialect
