// RouteTable::match: the request-processing order of ingress-nginx's nginx.conf (server, app-root,
// location, 413, location denied, CORS preflight, redirects, rewrite, HTTPS redirect, balancer
// with canary, then the access phase: access lists and basic authentication), as pure code over
// an immutable table.
#include <algorithm>
#include <tuple>

#include "engine/core/text.h"
#include "engine/dialect/cors.h"
#include "engine/dialect/htpasswd.h"
#include "engine/routing/normalize.h"
#include "engine/routing/route_table.h"

namespace ilab::routing {

namespace {

using model::PathType;
using Kind = TraceStep::Kind;

class Matcher {
  public:
    Matcher(const RouteTable& table, const Request& request, core::Random* random,
            RouteTable::MatchOptions options)
        : t_(table),
          req_(request),
          random_(random),
          tracing_(options.trace),
          oracle_(options.endpoints),
          affinity_(options.affinity),
          replayed_draw_(options.canary_draw) {}

    Decision run() {
        NormalizedPath target = normalizeTarget(req_.target);
        if (!target.valid) return respond(400, target.problem);
        path_ = target.path;
        query_ = target.query;
        // nginx picks the server by the Host header; X-Forwarded-Host (when trusted) only
        // becomes $best_http_host: the Host sent upstream and the HTTPS redirect's host.
        host_ = normalizeHost(req_.host);
        best_host_ = req_.host;
        if (t_.options().use_forwarded_headers) {
            if (const std::string* fwd = req_.header("X-Forwarded-Host"))
                best_host_ = std::string(core::trim(core::split(*fwd, ',').front()));
        }
        scheme_ = req_.scheme;
        applyRealIp();
        // nginx keeps a single Authorization header (ngx_http_process_unique_header_line): a
        // second one is answered 400, so no location checks one and passes the other on.
        const std::string* authorization = nullptr;
        for (const auto& [name, value] : req_.headers) {
            if (!core::iequals(name, "Authorization")) continue;
            if (authorization)
                return respond(400, "client sent duplicate header line: Authorization");
            authorization = &value;
        }
        if (authorization) credentials_ = dialect::parseBasicAuthorization(*authorization);
        if (t_.options().use_forwarded_headers) {
            if (const std::string* proto = req_.header("X-Forwarded-Proto"))
                scheme_ = core::toLower(*proto);
        }
        if (tracing_ && (path_ != std::string_view(req_.target).substr(0, req_.target.find('?')) ||
                         host_ != req_.host))
            step(Kind::Info, "normalise",
                 "host " + core::quoted(host_) + ", path " + core::quoted(path_));

        const Server* server = pickServer();
        if (auto blocked = blockedByHeaders()) return std::move(*blocked);
        if (!server) return std::move(*www_redirect_);  // the from-to-www twin answered
        if (server->app_root && path_ == "/") {
            step(Kind::Acted, "app-root", "app-root sends \"/\" to " + *server->app_root);
            // nginx.tmpl: return 302 $scheme://$http_host<app-root> (the listener's scheme).
            return redirect(302, req_.scheme + "://" + req_.host + *server->app_root);
        }
        const Location* loc = pickLocation(*server);
        if (!loc) return defaultBackend(*server);
        if (adds_slash_) return addSlash(*loc);
        return atLocation(*server, *loc);
    }

  private:
    void step(Kind kind, std::string stage, std::string message) {
        if (tracing_) decision_.trace.push_back({kind, std::move(stage), std::move(message)});
    }

    // Can this backend take the request now? Live readiness when the lab supplies it.
    bool serves(const BackendTarget& target) const {
        if (!target.problem.empty()) return false;
        return oracle_ ? oracle_->readyEndpoints(*target.shared_ref) > 0
                       : !target.endpoints.empty();
    }
    static std::string whyNot(const BackendTarget& target) {
        return target.problem.empty() ? "no ready endpoints" : target.problem;
    }

    Decision respond(int status, std::string reason) {
        decision_.action = Action::Respond;
        decision_.status = status;
        decision_.reason = std::move(reason);
        if (tracing_)
            step(Kind::Acted, "respond", std::to_string(status) + ": " + decision_.reason);
        return std::move(decision_);
    }

    Decision redirect(int status, std::string location) {
        decision_.action = Action::Redirect;
        decision_.status = status;
        decision_.location = std::move(location);
        step(Kind::Acted, "redirect", std::to_string(status) + " to " + decision_.location);
        return std::move(decision_);
    }

    // nginx's absolute_redirect, on unless relative-redirects: a Location nginx sends that
    // starts with "/" becomes <scheme>://<host><Location> (ngx_http_header_filter_module.c), the
    // listener's scheme (not X-Forwarded-Proto) and the Host header's name without its port
    // (nginx.tmpl sets port_in_redirect off). Without a Host (HTTP/1.0) nginx names its own
    // address, which the decision core does not know: the Location stays as written.
    std::string absoluteLocation(std::string location, bool relative) {
        if (relative || location.empty() || location.front() != '/' || host_.empty())
            return location;
        if (tracing_)
            step(Kind::Info, "redirect",
                 "Location " + core::quoted(location) +
                     " made absolute with the request's scheme and host (relative-redirects is "
                     "false: nginx's absolute_redirect)");
        return req_.scheme + "://" + host_ + location;
    }

    // nginx.tmpl writes `absolute_redirect off` in the http block for the ConfigMap's
    // relative-redirects and in the location for the annotation: either one makes it relative
    // (an annotation "false" cannot turn the ConfigMap's off back on).
    bool relativeRedirects(const dialect::IngressPolicies& p) const {
        return p.redirect.relative || t_.options().relative_redirects;
    }

    std::string portSuffixFor(std::string_view scheme) const {
        const int port = req_.effectivePort();
        const int standard = scheme == "https" ? 443 : 80;
        return ":" + std::to_string(port == 0 ? standard : port);
    }

    const Server* pickServer() {
        if (const Server* s = t_.findServer(host_)) {
            const bool alias = s->name != host_ && !s->wildcard;
            if (tracing_)
                step(Kind::Matched, "server",
                     s->wildcard ? "host " + core::quoted(host_) + " matches wildcard " +
                                       core::quoted(s->name)
                     : alias ? "host " + core::quoted(host_) + " is a server-alias of " +
                                   core::quoted(s->name)
                             : "host " + core::quoted(host_) + " has its own server");
            return s;
        }
        // from-to-www-redirect: the www twin (or the bare twin) redirects with http-redirect-code.
        const bool www = core::startsWith(host_, "www.");
        const std::string twin = www ? host_.substr(4) : "www." + host_;
        if (const Server* s = t_.findServer(twin); s && s->from_to_www && s->name == twin) {
            // The template strips one trailing slash, even from "/": https://example.com:443
            std::string uri = req_.target;
            if (!uri.empty() && uri.back() == '/') uri.pop_back();
            step(Kind::Matched, "server",
                 "host " + core::quoted(host_) + " is the from-to-www twin of " +
                     core::quoted(twin));
            www_redirect_ = redirect(t_.options().http_redirect_code,
                                     scheme_ + "://" + twin + portSuffixFor(scheme_) + uri);
            return nullptr;
        }
        if (tracing_) {
            std::string why = "host " + core::quoted(host_) + " has no server of its own";
            if (auto it = t_.inactiveHosts().find(host_.empty() ? "_" : host_);
                it != t_.inactiveHosts().end())
                why += " (" + it->second + ")";
            step(Kind::Info, "server", why + ": using the default server \"_\"");
        }
        return &t_.servers()[0];
    }

    // Regex mode without a trace: only the regexes whose literal prefix the path starts with,
    // still in nginx's order, so the first match is the one a full scan would find.
    const Location* pickRegexLocation(const Server& s) const {
        const bool ascii = std::all_of(path_.begin(), path_.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x80;
        });
        if (!ascii) {  // caseless UTF-8 folds beyond ASCII: scan them all
            for (const Location& loc : s.locations)
                if (loc.regex->matches(path_)) return &loc;
            return nullptr;
        }
        const std::string lower = core::toLower(path_);
        const std::vector<std::size_t>* only = nullptr;  // the one candidate list, or merged
        std::vector<std::size_t> merged;
        int lists = 0;
        auto add = [&](const std::vector<std::size_t>& list) {
            if (++lists == 1) {
                only = &list;
                return;
            }
            if (lists == 2) merged.assign(only->begin(), only->end());
            merged.insert(merged.end(), list.begin(), list.end());
        };
        if (auto it = s.regex_prefixes.find(""); it != s.regex_prefixes.end()) add(it->second);
        for (std::size_t length : s.regex_prefix_lengths) {
            if (length > lower.size()) break;
            if (auto it = s.regex_prefixes.find(lower.substr(0, length));
                it != s.regex_prefixes.end())
                add(it->second);
        }
        if (lists == 0) return nullptr;
        if (lists > 1) {
            std::sort(merged.begin(), merged.end());
            only = &merged;
        }
        for (std::size_t i : *only)
            if (s.locations[i].regex->matches(path_)) return &s.locations[i];
        return nullptr;
    }

    const Location* pickLocation(const Server& s) {
        if (s.regex_mode && !tracing_) return pickRegexLocation(s);
        if (s.regex_mode) {
            step(Kind::Info, "location",
                 "host " + core::quoted(s.name) + " is in regex mode (forced by " +
                     core::join(s.regex_sources, ", ") +
                     "): paths are case-insensitive regexes, first match wins");
            for (const Location& loc : s.locations) {
                if (loc.regex->search(path_)) {
                    step(Kind::Matched, "location",
                         "regex " + core::quoted("^" + loc.path) + " of Ingress " + loc.ingress);
                    return &loc;
                }
                step(Kind::Skipped, "location",
                     "regex " + core::quoted("^" + loc.path) + " does not match");
            }
            step(Kind::Info, "location", "no location matches " + core::quoted(path_));
            return nullptr;
        }
        if (auto it = s.exact.find(path_); it != s.exact.end()) {
            const Location& loc = s.locations[it->second];
            if (tracing_)
                step(Kind::Matched, "location",
                     "Exact " + core::quoted(loc.path) + " of Ingress " + loc.ingress);
            return &loc;
        }
        if (const Location* slashed = slashLocation(s)) {
            adds_slash_ = true;
            if (tracing_)
                step(Kind::Matched, "location",
                     std::string(model::pathTypeName(slashed->path_type)) + " " +
                         core::quoted(slashed->path) + " of Ingress " + slashed->ingress + " is " +
                         core::quoted(path_) +
                         " with a trailing slash: nginx answers 301 to add it");
            return slashed;
        }
        // Longest element-wise prefix: try the request's own prefixes, longest first.
        std::string key =
            path_.size() > 1 && path_.back() == '/' ? path_.substr(0, path_.size() - 1) : path_;
        while (true) {
            if (auto it = s.prefixes.find(key); it != s.prefixes.end()) {
                const Location* best = nullptr;
                for (std::size_t i : it->second) {
                    const Location& cand = s.locations[i];
                    // ingress-nginx renders Prefix "/foo" also as "= /foo": a rule written
                    // exactly as the request path wins; otherwise the longest rule path.
                    if (cand.path == path_) {
                        best = &cand;
                        break;
                    }
                    if (!best || cand.path.size() > best->path.size()) best = &cand;
                }
                if (tracing_) {
                    for (std::size_t i : it->second)
                        if (&s.locations[i] != best)
                            step(Kind::Skipped, "location",
                                 std::string(model::pathTypeName(s.locations[i].path_type)) + " " +
                                     core::quoted(s.locations[i].path) + " loses to " +
                                     core::quoted(best->path));
                    if (!s.exact.empty() || s.prefixes.size() > 1)
                        step(Kind::Info, "location",
                             "longest matching prefix of " + core::quoted(path_) + " is " +
                                 core::quoted(key));
                }
                if (tracing_)
                    step(Kind::Matched, "location",
                         std::string(model::pathTypeName(best->path_type)) + " " +
                             core::quoted(best->path) + " of Ingress " + best->ingress);
                return best;
            }
            if (key == "/") break;
            const auto slash = key.rfind('/');
            key = slash == 0 ? "/" : key.substr(0, slash);
        }
        if (tracing_)
            step(Kind::Info, "location",
                 "no rule of server " + core::quoted(s.name) + " matches " + core::quoted(path_));
        return nullptr;
    }

    // nginx's auto_redirect (ngx_http_core_find_static_location): a request path equal to a
    // location's name without its trailing slash ("/static" for location "/static/") is
    // answered 301 to that name when no location is exactly the path. ingress-nginx renders a
    // Prefix "/static/" as `location "/static/"` plus `= "/static/"` (updateServerLocations in
    // internal/ingress/controller/location.go, whose comment describes this 301), an Exact or
    // ImplementationSpecific "/static/" as itself, and every location proxy_passes, which is
    // what turns auto_redirect on. A Prefix "/static" renders `= "/static"` too, so it serves.
    // Regex mode has no static locations, hence no such redirect.
    const Location* slashLocation(const Server& s) const {
        if (!t_.options().slash_redirect) return nullptr;
        if (path_.size() < 2 || path_.back() == '/') return nullptr;
        const auto same = s.prefixes.find(path_);
        if (same != s.prefixes.end()) {
            for (std::size_t i : same->second)
                if (s.locations[i].path == path_) return nullptr;  // "= /static" or "/static"
        }
        // `= "/static/"` wins over `location "/static/"` for the 301's location settings.
        if (!s.exact.empty()) {
            if (auto it = s.exact.find(path_ + '/'); it != s.exact.end())
                return &s.locations[it->second];
        }
        if (same == s.prefixes.end()) return nullptr;
        for (std::size_t i : same->second) {
            const std::string& path = s.locations[i].path;
            if (path.size() == path_.size() + 1 && path.back() == '/' &&
                path.compare(0, path_.size(), path_) == 0)
                return &s.locations[i];
        }
        return nullptr;
    }

    // The 301 of auto_redirect. nginx sends it while choosing the location (its find-config
    // phase): after that location's client_max_body_size (413) and before everything the
    // location does (redirect annotations, the HTTPS redirect, access lists, authentication,
    // rate limits), for any method. The Location is the location's name, plus "?" and the
    // query when there is one, made absolute unless relative-redirects (verified on nginx
    // 1.22: GET/POST/HEAD /static?a=1 -> 301 Location: http://host/static/?a=1).
    Decision addSlash(const Location& loc) {
        const dialect::IngressPolicies& p = *loc.policies;
        decision_.ingress = loc.ingress;
        decision_.rule =
            RuleRef{loc.rule_host, loc.path, std::string(model::pathTypeName(loc.path_type))};
        if (req_.content_length && p.body_limit.max_bytes > 0 &&
            *req_.content_length > p.body_limit.max_bytes)
            return respond(413, "Content-Length " + std::to_string(*req_.content_length) +
                                    " is over proxy-body-size " + p.body_limit.as_written);
        std::string target = loc.path;
        if (!query_.empty()) target += "?" + query_;
        return redirect(301, absoluteLocation(std::move(target), relativeRedirects(p)));
    }

    // The policies of a server's root "/" location. ingress-nginx builds it from the Ingress that
    // first defined the host (createServers, locationApplyAnnotations), so that Ingress's
    // annotations also act on paths no rule matches; the default server's root belongs to the
    // catch-all Ingress, without its redirect and rewrite settings.
    const std::string& rootOwner(const Server& s) const {
        return s.name == "_" ? t_.catchAllIngress() : s.default_backend_ingress;
    }
    const dialect::IngressPolicies* rootPolicies(const Server& s) const {
        const std::string& owner = rootOwner(s);
        if (owner.empty()) return nullptr;
        const auto it = t_.policies().find(owner);
        return it == t_.policies().end() ? nullptr : it->second.get();
    }

    Decision defaultBackend(const Server& s) {
        const dialect::IngressPolicies* p = rootPolicies(s);
        const LocationAuth* auth = !p ? nullptr : s.name == "_" ? t_.catchAllAuth() : s.root_auth.get();
        if (p && s.name != "_")
            step(Kind::Info, "location",
                 "the root location of server " + core::quoted(s.name) + " comes from Ingress " +
                     s.default_backend_ingress +
                     ", the first to define the host: its annotations apply");
        if (p) {
            if (auto early = beforeBackend(s, *p, auth, "/", s.name != "_"))
                return std::move(*early);
        } else if (const std::uint64_t limit = t_.options().default_body_limit;
                   req_.content_length && limit > 0 && *req_.content_length > limit) {
            return respond(413, "Content-Length " + std::to_string(*req_.content_length) +
                                    " is over the default proxy-body-size");
        }
        const BackendTarget* target = nullptr;
        std::string from;
        if (s.default_backend) {
            target = &*s.default_backend;
            from = s.default_backend_ingress;
        } else if (s.name == "_" && t_.catchAll()) {
            target = &*t_.catchAll();
            from = t_.catchAllIngress();
        }
        if (!target) {
            if (p) {
                if (auto denied = guard(*p, auth)) return std::move(*denied);
            }
            // The controller's --default-backend-service; with no ready endpoint ingress-nginx
            // falls back to its built-in 404 (controller.go, getDefaultUpstream).
            if (const auto& own = t_.controllerDefaultBackend(); own && serves(*own)) {
                step(Kind::Matched, "default-backend",
                     "no rule matches: the controller's --default-backend-service " +
                         own->namespace_ + "/" + own->service);
                return forward(*own, req_.target, p);
            }
            return respond(404, "default backend - 404: no rule matches");
        }
        step(Kind::Matched, "default-backend", "spec.defaultBackend of Ingress " + from);
        decision_.ingress = from;
        decision_.rule = RuleRef{s.name == "_" ? "" : s.name, "", ""};
        if (!serves(*target)) return respond(503, whyNot(*target));  // the rewrite phase
        if (p) {
            if (auto denied = guard(*p, auth)) return std::move(*denied);
        }
        return forward(*target, req_.target, p);
    }

    Decision forward(const BackendTarget& target, std::string upstream_path,
                     const dialect::IngressPolicies* policies) {
        decision_.action = Action::Forward;
        decision_.status = 0;
        decision_.backend = target.shared_ref;
        decision_.upstream.host =
            policies && policies->upstream.vhost ? *policies->upstream.vhost : best_host_;
        decision_.upstream.path = std::move(upstream_path);
        if (tracing_)
            step(Kind::Acted, "backend",
                 "forward to Service " + target.namespace_ + "/" + target.service + ":" +
                     target.port.str() + " (" + std::to_string(target.endpoints.size()) +
                     " ready endpoint" + (target.endpoints.size() == 1 ? "" : "s") + ")");
        return std::move(decision_);
    }

    // The location's steps before the balancer, in nginx.conf order: 413, location denied, CORS
    // preflight, redirect annotations, then the HTTPS redirect. nullopt: go on to the backend.
    std::optional<Decision> beforeBackend(const Server& s, const dialect::IngressPolicies& p,
                                          const LocationAuth* auth,
                                          const std::string& location_path, bool redirects) {
        if (req_.content_length && p.body_limit.max_bytes > 0 &&
            *req_.content_length > p.body_limit.max_bytes)
            return respond(413, "Content-Length " + std::to_string(*req_.content_length) +
                                    " is over proxy-body-size " + p.body_limit.as_written);
        if (p.disposition == dialect::Disposition::LocationDenied)
            return respond(503, "location denied: " + p.disposition_reason);
        if (auth && !auth->denied.empty()) return respond(503, "location denied: " + auth->denied);

        if (p.cors.enabled && core::iequals(req_.method, "OPTIONS")) {
            const std::string* origin = req_.header("Origin");
            const dialect::CorsOutcome cors = dialect::evaluateCors(
                p.cors, origin ? std::optional<std::string_view>(*origin) : std::nullopt,
                req_.method);
            if (cors.preflight) {
                decision_.response_headers = dialect::corsPreflightHeaders(cors);
                return respond(204, "CORS preflight answered by the controller");
            }
        }
        if (!redirects) return std::nullopt;
        // `return <code> <url>` in the location (nginx.tmpl); a relative URL is made absolute
        // unless relative-redirects (test/e2e/annotations/relativeredirects.go).
        const bool relative = relativeRedirects(p);
        if (p.redirect.temporal) {
            step(Kind::Acted, "policy", "temporal-redirect");
            return redirect(p.redirect.temporal->code,
                            absoluteLocation(p.redirect.temporal->url, relative));
        }
        if (p.redirect.permanent) {
            step(Kind::Acted, "policy", "permanent-redirect");
            return redirect(p.redirect.permanent->code,
                            absoluteLocation(p.redirect.permanent->url, relative));
        }

        const bool https = scheme_ == "https";
        const bool wants_tls = (s.tls && p.redirect.ssl_redirect) || p.redirect.force_ssl_redirect;
        if (!https && wants_tls) {
            const bool exempt = std::any_of(
                t_.options().no_tls_redirect_locations.begin(),
                t_.options().no_tls_redirect_locations.end(),
                [&](const std::string& prefix) { return core::startsWith(location_path, prefix); });
            if (exempt) {
                step(Kind::Skipped, "policy",
                     "HTTPS redirect skipped: path is under no-tls-redirect-locations");
            } else {
                std::string uri = req_.target;
                if (!p.redirect.preserve_trailing_slash && !uri.empty() && uri.back() == '/')
                    uri.pop_back();
                step(Kind::Acted, "policy",
                     p.redirect.force_ssl_redirect ? "force-ssl-redirect"
                                                   : "ssl-redirect: the host has TLS");
                decision_.https_redirect = true;
                return redirect(t_.options().http_redirect_code,
                                "https://" + normalizeHost(best_host_) + uri);
            }
        }
        return std::nullopt;
    }

    Decision atLocation(const Server& s, const Location& loc) {
        const dialect::IngressPolicies& p = *loc.policies;
        decision_.ingress = loc.ingress;
        decision_.rule =
            RuleRef{loc.rule_host, loc.path, std::string(model::pathTypeName(loc.path_type))};
        if (auto early = beforeBackend(s, p, loc.auth.get(), loc.path, true))
            return std::move(*early);

        // The rewrite only changes what the backend receives; redirects use the request URI.
        std::string upstream_path = req_.target;
        if (p.rewrite.target && *p.rewrite.target != loc.path && loc.regex) {
            if (auto match = loc.regex->search(path_)) {
                upstream_path = core::expandCaptures(*p.rewrite.target, *match);
                if (!query_.empty()) upstream_path += "?" + query_;
                step(Kind::Acted, "rewrite",
                     "rewrite-target " + core::quoted(*p.rewrite.target) + " gives " +
                         core::quoted(upstream_path));
                if (p.rewrite.x_forwarded_prefix && !p.rewrite.x_forwarded_prefix->empty())
                    decision_.upstream_headers.push_back(
                        {"X-Forwarded-Prefix", *p.rewrite.x_forwarded_prefix});
            }
        }

        const BackendTarget* target = &loc.backend;
        if (!serves(loc.backend)) {
            if (tracing_)
                step(Kind::Info, "backend",
                     "Service " + loc.backend.service + ": " + whyNot(loc.backend));
            if (loc.fallback && serves(*loc.fallback)) {
                step(Kind::Acted, "policy",
                     "default-backend annotation: Service " + loc.fallback->service +
                         " answers instead (X-Code: 503)");
                // nginx.tmpl adds these for a custom-default-backend-* upstream, naming the
                // location's own Service (the one without endpoints).
                auto& headers = decision_.upstream_headers;
                headers.push_back({"X-Code", "503"});
                if (const std::string* accept = req_.header("Accept"))
                    headers.push_back({"X-Format", *accept});
                headers.push_back({"X-Namespace", loc.backend.namespace_});
                headers.push_back(
                    {"X-Ingress-Name", loc.ingress.substr(loc.ingress.find('/') + 1)});
                headers.push_back({"X-Service-Name", loc.backend.service});
                headers.push_back({"X-Service-Port", loc.backend.port.str()});
                return finish(s, loc, *loc.fallback, upstream_path);
            }
            // The main backend decides before any canary rule: no endpoints is 503 even with
            // "always". ingress-nginx answers it in nginx's rewrite phase (balancer.lua
            // rewrite(), run by rewrite_by_lua_file ngx_rewrite.lua), so before limit_req
            // (preaccess) and before allow/deny and auth_basic (access): 503, not 403 or 401.
            return respond(503, whyNot(loc.backend));
        }
        if (loc.canary && evaluateCanary(loc, *loc.canary)) {
            if (serves(loc.canary->backend)) {
                decision_.canary = true;
                decision_.canary_ingress = loc.canary->ingress;
                target = &loc.canary->backend;
            } else {
                step(Kind::Skipped, "canary",
                     "canary Service has no ready endpoints: main backend serves");
            }
        }
        return finish(s, loc, *target, upstream_path);
    }

    Decision finish(const Server&, const Location& loc, const BackendTarget& target,
                    std::string upstream_path) {
        const dialect::IngressPolicies& p = *loc.policies;
        // custom-http-errors are answered by the default-backend annotation's Service.
        if (loc.fallback) decision_.fallback = loc.fallback->shared_ref;
        if (auto denied = guard(p, loc.auth.get())) return std::move(*denied);
        return forward(target, std::move(upstream_path), &p);
    }

    // nginx.tmpl's `if ($block_ua) { return 403; }` and `if ($block_ref) ...`, the first
    // thing every server does, the from-to-www twins included.
    std::optional<Decision> blockedByHeaders() {
        for (const auto& [header, list, key] :
             {std::tuple{"User-Agent", &t_.options().block_user_agents, "block-user-agents"},
              std::tuple{"Referer", &t_.options().block_referers, "block-referers"}}) {
            if (list->empty()) continue;
            const std::string* value = req_.header(header);
            if (const std::string* entry = list->match(value ? *value : std::string())) {
                if (www_redirect_) {  // the twin's redirect took the decision so far: take it back
                    decision_ = std::move(*www_redirect_);
                    www_redirect_.reset();
                    decision_.location.clear();
                }
                return respond(403, std::string(header) + " " + core::quoted(*value) +
                                        " is in the ConfigMap's " + key + " (" + *entry + ")");
            }
        }
        return std::nullopt;
    }

    // The access phase: source ranges (403), then basic/digest authentication (401).
    std::optional<Decision> guard(const dialect::IngressPolicies& p, const LocationAuth* auth) {
        decision_.reached_access_phase = true;
        const bool lists = !p.access.deny.empty() || p.access.has_allow_list;
        // block-cidrs: the http block's deny, which a location with rules of its own drops.
        if (!lists && !t_.options().block_cidrs.empty()) {
            if (auto ip = core::IpAddress::parse(clientIp())) {
                for (const auto& range : t_.options().block_cidrs)
                    if (range.contains(*ip))
                        return refuse(p, 403,
                                      "client " + ip->str() + " is in the ConfigMap's block-cidrs " +
                                          range.str());
            }
        }
        if (auto ip = lists ? core::IpAddress::parse(clientIp()) : std::nullopt) {
            for (const auto& range : p.access.deny)
                if (range.contains(*ip))
                    return refuse(p, 403,
                                  "client " + ip->str() + " is in denylist-source-range " +
                                      range.str());
            if (p.access.has_allow_list &&
                std::none_of(p.access.allow.begin(), p.access.allow.end(),
                             [&](const core::Cidr& c) { return c.contains(*ip); }))
                return refuse(p, 403,
                              "client " + ip->str() + " is not in allowlist-source-range");
        }
        if (p.rate_limit.active())
            step(Kind::Info, "policy",
                 "rate limits apply in the live proxy (limit-rps " +
                     std::to_string(p.rate_limit.rps) + ", limit-rpm " +
                     std::to_string(p.rate_limit.rpm) + ")");
        if (auth) return authenticate(p, *auth);
        return std::nullopt;
    }

    // auth_basic (ngx_http_auth_basic_module.c) over the Ingress's Secret: 401 with the realm
    // unless the first line naming the user holds the password's hash. nginx.tmpl also renders
    // `proxy_set_header Authorization ""` there, so a forwarded request goes without it.
    // Out of line, as refuse(): a match without authentication keeps its hot path as small.
    [[gnu::noinline]] std::optional<Decision> authenticate(const dialect::IngressPolicies& p,
                                         const LocationAuth& auth) {
        decision_.clears_authorization = true;
        if (auth.type == "digest") {
            // nginx-http-auth-digest's challenge shape; its nonces and their state are not
            // simulated, so no answer to it can succeed.
            return refuse(p, 401,
                          "auth-type digest is not simulated by the lab: every request is refused",
                          "Digest algorithm=\"MD5\", qop=\"auth\", realm=\"" + auth.realm +
                              "\", nonce=\"0000000000000000\"");
        }
        const std::string challenge = "Basic realm=\"" + auth.realm + "\"";
        if (!credentials_ || !auth.users)
            return refuse(p, 401,
                          req_.header("Authorization")
                              ? "Authorization holds no Basic credentials nginx can decode"
                              : "no credentials (auth-type basic)",
                          challenge);
        const std::string who = "user " + core::quoted(credentials_->user);
        switch (auth.users->check(*credentials_)) {
            case dialect::BasicAuthResult::Allowed:
                step(Kind::Acted, "auth",
                     who + " authenticated against Secret " + auth.secret + " (" +
                         std::string(dialect::hashFormatName(dialect::hashFormat(
                             auth.users->find(credentials_->user)->hash))) +
                         "); Authorization is not sent upstream");
                return std::nullopt;
            case dialect::BasicAuthResult::UnknownUser:
                return refuse(p, 401, who + " is not in Secret " + auth.secret, challenge);
            case dialect::BasicAuthResult::WrongPassword:
                break;
        }
        return refuse(p, 401, "wrong password for " + who + " (Secret " + auth.secret + ")",
                      challenge);
    }

    // A 401 or 403 of the access phase. A location with enable-cors adds its CORS headers to
    // every answer (nginx.tmpl's more_set_headers), this one included (ingress-nginx e2e
    // test/e2e/annotations/auth.go, "401 and cors headers").
    [[gnu::noinline]] Decision refuse(const dialect::IngressPolicies& p, int status,
                                      std::string reason,
                    std::string challenge = {}) {
        if (!challenge.empty())
            decision_.response_headers.emplace_back("WWW-Authenticate", std::move(challenge));
        if (p.cors.enabled) {
            const std::string* origin = req_.header("Origin");
            dialect::CorsOutcome cors = dialect::evaluateCors(
                p.cors, origin ? std::optional<std::string_view>(*origin) : std::nullopt,
                req_.method);
            for (auto& header : cors.headers)
                decision_.response_headers.push_back(std::move(header));
        }
        return respond(status, std::move(reason));
    }

    std::string clientIp() const { return decision_.client_ip.empty() ? req_.client_ip : decision_.client_ip; }

    // nginx's realip module (ngx_http_realip_module, ngx_http_get_forwarded_addr) as
    // nginx.tmpl configures it: only a peer in set_real_ip_from is believed; then the header's
    // addresses are read from the right, skipping trusted ones (real_ip_recursive on), and the
    // first untrusted one, or the leftmost, is the client. An entry that is not an address
    // leaves the peer's. Several X-Forwarded-For headers count as one list.
    void applyRealIp() {
        const CompileOptions& o = t_.options();
        if (!o.use_forwarded_headers && !o.enable_real_ip) return;
        const auto trusted = [&o](const core::IpAddress& ip) {
            return std::any_of(o.real_ip_from.begin(), o.real_ip_from.end(),
                               [&ip](const core::Cidr& c) { return c.contains(ip); });
        };
        const auto joined = [this](std::string_view header) {
            std::string list;
            for (const auto& [name, value] : req_.headers) {
                if (!core::iequals(name, header)) continue;
                list += (list.empty() ? "" : ", ") + value;
                if (!core::iequals(header, "X-Forwarded-For")) break;  // other headers: the first
            }
            return list;
        };
        // nginx.tmpl's map $http_x_forwarded_for $full_x_forwarded_for, whoever the peer is.
        if (o.use_forwarded_headers && o.compute_full_forwarded_for) {
            const std::string incoming = joined("X-Forwarded-For");
            if (!incoming.empty()) decision_.forwarded_for = incoming + ", " + req_.client_ip;
        }
        const auto peer = core::IpAddress::parse(req_.client_ip);
        if (!peer || !trusted(*peer)) return;
        const std::string list = joined(o.forwarded_for_header);
        if (list.empty()) return;
        std::vector<std::string> entries = core::split(list, ',');
        std::string chosen;
        for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
            const std::string_view entry = core::trim(*it);
            const auto ip = core::IpAddress::parse(entry);
            if (!ip) return;
            chosen = std::string(entry);
            if (!trusted(*ip)) break;
        }
        if (chosen.empty() || chosen == req_.client_ip) return;
        decision_.client_ip = chosen;
        step(Kind::Info, "real-ip",
             "client address " + chosen + " from " + o.forwarded_for_header + " (the peer " +
                 req_.client_ip + " is a trusted proxy)");
    }

    // ingress-nginx's balancer.lua order: header, then cookie, then weight.
    bool evaluateCanary(const Location& loc, const CanaryTarget& c) {
        const std::string& main_service = loc.backend.service;
        const dialect::CanaryPolicy& p = c.policy;
        step(Kind::Info, "canary", "Ingress " + c.ingress + " is a canary for this rule");
        switch (affinity_ ? affinity_->pin(req_, loc) : CanaryAffinity::Pin::None) {
            case CanaryAffinity::Pin::Main:
                return main("the affinity cookie pins this session to the main backend");
            case CanaryAffinity::Pin::Canary:
                return canary("the affinity cookie pins this session to the canary");
            case CanaryAffinity::Pin::None:
                break;
        }
        if (p.by_header) {
            if (const std::string* value = req_.header(*p.by_header)) {
                if (p.by_header_value) {
                    if (*value == *p.by_header_value)
                        return canary("header " + *p.by_header + " equals " +
                                      core::quoted(*p.by_header_value));
                } else if (p.by_header_pattern) {
                    if (p.header_pattern_invalid || !p.header_pattern)
                        return main("canary-by-header-pattern is not a valid regex: main backend");
                    bool error = false;
                    if (p.header_pattern->search(*value, &error))
                        return canary("header " + *p.by_header + " matches pattern");
                    if (error)
                        return main("canary-by-header-pattern failed at run time: main backend");
                } else if (*value == "always") {
                    return canary("header " + *p.by_header + ": always");
                } else if (*value == "never") {
                    return main("header " + *p.by_header + ": never");
                }
                step(Kind::Skipped, "canary",
                     "header " + *p.by_header + " does not select: next rule");
            }
        }
        if (p.by_cookie) {
            if (auto value = req_.cookie(*p.by_cookie)) {
                if (*value == "always") return canary("cookie " + *p.by_cookie + "=always");
                if (*value == "never") return main("cookie " + *p.by_cookie + "=never");
                step(Kind::Skipped, "canary",
                     "cookie " + *p.by_cookie + " does not select: next rule");
            }
        }
        const int total = p.effectiveWeightTotal();
        if (p.weight > 0) {
            const double share = std::min(1.0, static_cast<double>(p.weight) / total);
            decision_.weights = {{main_service, 1.0 - share}, {c.backend.service, share}};
        }
        if (p.weight <= 0) return main("canary-weight 0: main backend");
        if (p.weight >= total)
            return canary("canary-weight " + std::to_string(p.weight) + " of " +
                          std::to_string(total));
        // The proxy's own draw when replaying one that fits this split, else a fresh one.
        const bool replayed = replayed_draw_ && *replayed_draw_ >= 1 &&
                              *replayed_draw_ <= static_cast<std::uint64_t>(total);
        std::optional<std::uint64_t> drawn;
        if (replayed) drawn = replayed_draw_;
        else if (random_) drawn = random_->uniform(1, static_cast<std::uint64_t>(total));
        if (!drawn)
            return main("weighted split " + std::to_string(p.weight) + "/" + std::to_string(total) +
                        "; without a seed the main backend is shown");
        decision_.canary_draw = *drawn;
        const std::string draw =
            (replayed ? "the proxy's weighted draw " : "weighted draw ") + std::to_string(*drawn);
        if (*drawn <= static_cast<std::uint64_t>(p.weight))
            return canary(draw + " <= " + std::to_string(p.weight) + " of " + std::to_string(total));
        return main(draw + " > " + std::to_string(p.weight) + " of " + std::to_string(total));
    }

    bool canary(std::string why) {
        step(Kind::Acted, "canary", why + ": canary");
        return true;
    }
    bool main(std::string why) {
        step(Kind::Skipped, "canary", why);
        return false;
    }

    const RouteTable& t_;
    const Request& req_;
    core::Random* random_;
    bool tracing_;
    const EndpointOracle* oracle_;
    const CanaryAffinity* affinity_;
    std::optional<std::uint64_t> replayed_draw_;
    Decision decision_;
    std::optional<Decision> www_redirect_;  // pickServer() answered with a from-to-www redirect
    bool adds_slash_ = false;  // pickLocation() chose a location only to add its trailing slash
    std::optional<dialect::BasicCredentials> credentials_;  // of a Basic Authorization header
    std::string best_host_, host_, scheme_, path_, query_;
};

}  // namespace

Decision RouteTable::match(const Request& request, core::Random* random) const {
    return match(request, random, MatchOptions{});
}

Decision RouteTable::match(const Request& request, core::Random* random,
                           MatchOptions options) const {
    Matcher matcher(*this, request, random, options);
    return matcher.run();
}

}  // namespace ilab::routing
