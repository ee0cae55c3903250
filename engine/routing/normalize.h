#pragma once
// Request normalisation, explicit and documented (docs/normalisation.md). Routing compares
// normalised hosts and paths; the backend still receives the request-target as sent.
#include <optional>
#include <string>
#include <string_view>

namespace ilab::routing {

// Lowercases, removes a ":port" (also from "[::1]:8080") and one trailing dot.
std::string normalizeHost(std::string_view host);

struct NormalizedPath {
    std::string path;   // decoded, dot segments resolved, slashes merged
    std::string query;  // without the '?'; as sent
    bool valid = true;  // false: not an origin-form target (400)
};

// As nginx does before choosing a location: percent-decodes unreserved characters (and every
// %XX except %2F, which stays encoded so that "/a%2Fb" is never "/a/b"), resolves "." and ".."
// segments (never above the root), merges repeated slashes. The query is split off untouched.
NormalizedPath normalizeTarget(std::string_view target);

}  // namespace ilab::routing
