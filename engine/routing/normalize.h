#pragma once
// Request normalisation, explicit and documented (docs/routing.md, "Request normalisation").
// Routing compares normalised hosts and paths; the backend still receives the request-target
// as sent.
#include <optional>
#include <string>
#include <string_view>

namespace ilab::routing {

// Lowercases, removes a ":port" (also from "[::1]:8080") and one trailing dot.
std::string normalizeHost(std::string_view host);

struct NormalizedPath {
    std::string path;   // decoded, dot segments resolved, slashes merged
    std::string query;  // without the '?'; as sent
    bool valid = true;    // false: nginx answers 400
    std::string problem;  // why it is not valid
};

// As nginx's ngx_http_parse_complex_uri() does before choosing a location (src/http/
// ngx_http_parse.c): decodes every %XX, %2F and %2E included, so an encoded slash or dot acts
// as a real one ("/admin%2Fx" is "/admin/x"); resolves "." and ".." segments and merges repeated
// slashes. Not valid (400): a target that is not an absolute path, a malformed escape ("%zz",
// a lone "%"), an encoded NUL, a ".." above the root. The query is split off untouched; an
// encoded "?" or "#" is a literal character of the path.
NormalizedPath normalizeTarget(std::string_view target);

}  // namespace ilab::routing
