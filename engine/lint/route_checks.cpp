// How the compiled routes behave as a whole: regex mode spreading over a host, rules that can
// never be reached, ImplementationSpecific paths that look like regexes but are not.
#include <algorithm>
#include <set>

#include "engine/core/text.h"
#include "engine/lint/linter.h"

namespace ilab::lint {
namespace {

using core::quoted;

bool hasRegexSyntax(std::string_view path) {
    return path.find_first_of("()[]{}*+?|$^\\") != std::string_view::npos;
}

void checkRegexSpread(const routing::Server& server, core::Diagnostics& out) {
    std::set<std::string> changed;
    for (const auto& loc : server.locations)
        if (std::find(server.regex_sources.begin(), server.regex_sources.end(), loc.ingress) ==
            server.regex_sources.end())
            changed.insert(loc.ingress);
    if (changed.empty()) return;
    for (const auto& loc : server.locations) {
        if (!changed.count(loc.ingress)) continue;
        std::string extra = loc.path_type == model::PathType::Exact
                                ? "; Exact " + quoted(loc.path) + " now also matches longer paths"
                                : "; it now matches case-insensitively and " + quoted(loc.path) +
                                      " also matches " + quoted(loc.path + "x...");
        out.add({core::Severity::Warning, "ILAB-LINT-012",
                 "host " + quoted(server.name) + " is in regex mode because of " +
                     core::join(server.regex_sources, ", ") + ": path " + quoted(loc.path) +
                     " of Ingress " + loc.ingress + " becomes the regex " + quoted("^" + loc.path) +
                     extra,
                 "use-regex and rewrite-target apply to every path of the host, across Ingresses; "
                 "give the regex rules their own host or anchor them",
                 loc.source, "Ingress " + loc.ingress});
    }
}

// In regex mode a literal path L after a regex R (no '$') that matches L can never be reached:
// R matches a prefix of L, so it matches every request L would.
void checkShadowed(const routing::Server& server, core::Diagnostics& out) {
    for (std::size_t i = 0; i < server.locations.size(); ++i) {
        const auto& loc = server.locations[i];
        if (hasRegexSyntax(loc.path)) continue;
        for (std::size_t j = 0; j < i; ++j) {
            const auto& earlier = server.locations[j];
            if (earlier.path.find('$') != std::string::npos || !earlier.regex) continue;
            if (!earlier.regex->matches(loc.path)) continue;
            out.add({core::Severity::Warning, "ILAB-LINT-011",
                     "path " + quoted(loc.path) + " on host " + quoted(server.name) +
                         " can never be reached: the regex " + quoted("^" + earlier.path) +
                         " of Ingress " + earlier.ingress +
                         " comes first and matches everything it would",
                     "ingress-nginx tries regex locations longest first and takes the first match; "
                     "anchor the earlier regex with '$' or change the paths",
                     loc.source, "Ingress " + loc.ingress});
            break;
        }
    }
}

void checkLiteralRegex(const model::Manifests& m, const routing::RouteTable& table,
                       core::Diagnostics& out) {
    for (const model::Ingress& ing : m.ingresses) {
        if (ing.rejected || !ing.claimed) continue;
        for (const auto& rule : ing.rules) {
            const routing::Server* server =
                rule.host.empty() ? &table.servers()[0] : table.findServer(rule.host);
            if (!server || server->regex_mode) continue;
            for (const auto& path : rule.paths) {
                if (path.path_type != model::PathType::ImplementationSpecific ||
                    !hasRegexSyntax(path.path))
                    continue;
                out.add({core::Severity::Warning, "ILAB-LINT-014",
                         "path " + quoted(path.path) + " looks like a regex but host " +
                             quoted(rule.host.empty() ? "*" : rule.host) +
                             " is not in regex mode: it is matched as a literal Prefix",
                         "add nginx.ingress.kubernetes.io/use-regex: \"true\"", path.path_location,
                         "Ingress " + ing.meta.qualifiedName()});
            }
        }
    }
}

}  // namespace

void checkRoutes(const model::Manifests& m, const routing::RouteTable& table,
                 core::Diagnostics& out) {
    for (const auto& server : table.servers()) {
        if (!server.regex_mode) continue;
        checkRegexSpread(server, out);
        checkShadowed(server, out);
    }
    checkLiteralRegex(m, table, out);
}

}  // namespace ilab::lint
