// Turns claimed, valid Ingresses into servers and locations the way ingress-nginx builds its
// nginx.conf: one server per host, host-less rules on the default server "_", canaries merged
// into the main location they shadow, per-host regex mode.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "engine/core/text.h"
#include "engine/model/external_name.h"
#include "engine/routing/route_table.h"

namespace ilab::routing {

using model::PathType;

BackendRef BackendTarget::ref() const {
    BackendRef r;
    r.namespace_ = namespace_;
    r.service = service;
    r.port = port.str();
    r.service_port = service_port;
    r.target_port = target_port;
    r.endpoints = endpoints;
    return r;
}

namespace {

// ingress-nginx turns ImplementationSpecific into Prefix before it builds anything
// (SetDefaultNGINXPathType), so the two are one type when paths are compared.
bool sameNginxPathType(PathType a, PathType b) {
    return a == b || (a != PathType::Exact && b != PathType::Exact);
}

std::string prefixKey(std::string_view path) {
    std::string key;
    for (const std::string& part : core::split(path, '/')) {
        if (part.empty()) continue;
        key += '/';
        key += part;
    }
    return key.empty() ? "/" : key;
}

}  // namespace

class RouteCompiler {
  public:
    RouteCompiler(const model::Manifests& m, const dialect::Dialect& dialect,
                  const CompileOptions& options, core::Diagnostics* findings)
        : m_(m), dialect_(dialect), findings_(findings) {
        table_ = std::make_shared<RouteTable>();
        table_->options_ = options;
    }

    std::shared_ptr<const RouteTable> run() {
        std::vector<const model::Ingress*> ordered;
        ordered.reserve(m_.ingresses.size());
        std::size_t rules = 0;
        for (const auto& ing : m_.ingresses) {
            ordered.push_back(&ing);
            rules += ing.rules.size();
        }
        // Sized up front: growing a 10,000-server table moved every Server ~14 times (tests/perf).
        table_->servers_.reserve(rules + 1);
        table_->exact_hosts_.reserve(rules);
        table_->policies_.reserve(ordered.size());
        defaultServer();
        // ingress-nginx processes Ingresses oldest first; the first one to claim a path keeps it.
        std::stable_sort(ordered.begin(), ordered.end(),
                         [](auto* a, auto* b) { return model::isOlder(a->meta, b->meta); });
        std::vector<Translated> mains, canaries;
        LocationAuthResolver auth(m_, std::string(dialect_.annotationPrefix()),
                                  table_->options_.allow_cross_namespace_resources, findings_);
        for (const model::Ingress* ing : ordered) {
            Translated t{ing, ing->meta.qualifiedName(), nullptr, nullptr};
            t.policies = translate(*ing, t.name);
            if (!active(*ing, *t.policies)) continue;
            if (t.policies->canary.enabled) {
                canaries.push_back(std::move(t));  // the main location's settings apply
                continue;
            }
            // Per Ingress: policies are shared between Ingresses with the same annotations,
            // the Secret an auth-secret names is not.
            t.auth = auth.resolve(*ing, t.policies->auth);
            mains.push_back(std::move(t));
        }
        for (const Translated& t : mains)
            addServersAndTls(*t.ingress, *t.policies, t.auth, t.name);
        for (const Translated& t : mains)
            addLocations(*t.ingress, t.policies, t.auth, t.name);
        for (const Translated& t : canaries)
            mergeCanary(*t.ingress, *t.policies, t.name);
        for (Server& server : table_->servers_)
            finishServer(server);
        resolveDefaultService();
        return table_;
    }

  private:
    using Policies = std::shared_ptr<const dialect::IngressPolicies>;
    // An Ingress the table serves, with its policies and "namespace/name" worked out once.
    struct Translated {
        const model::Ingress* ingress;
        std::string name;
        Policies policies;
        std::shared_ptr<const LocationAuth> auth;
    };

    core::Diagnostic* finding(core::Severity severity, std::string code, std::string message,
                              core::SourceLocation at, const model::Ingress* ing,
                              std::string hint = {}) {
        if (!findings_) return nullptr;
        auto& d =
            findings_->add({severity, std::move(code), std::move(message), std::move(hint),
                            std::move(at), ing ? "Ingress " + ing->meta.qualifiedName() : ""});
        return &d;
    }

    Policies translate(const model::Ingress& ing, const std::string& name) {
        // The dialect reads only annotations: Ingresses with the same ones whose reading found
        // nothing to say share one IngressPolicies (10,000 plain Ingresses translate once).
        std::string key;  // each string with its length first: values may hold any byte
        for (const auto& [annotation, value] : ing.meta.annotations)
            for (const std::string* part : {&annotation, &value})
                key.append(std::to_string(part->size())).append(1, ':').append(*part);
        Policies policies;
        if (auto it = shared_policies_.find(key); it != shared_policies_.end()) {
            policies = it->second;
        } else {
            core::Diagnostics found;
            dialect::IngressPolicies read =
                table_->options_.policy_defaults
                    ? dialect_.translate(ing, found, *table_->options_.policy_defaults)
                    : dialect_.translate(ing, found);
            resolveResponseHeaders(ing, read, found);
            policies = std::make_shared<const dialect::IngressPolicies>(std::move(read));
            if (found.empty())
                shared_policies_.emplace(std::move(key), policies);
            else if (findings_)
                findings_->append(found);
        }
        table_->policies_[name] = policies;
        return policies;
    }

    bool active(const model::Ingress& ing, const dialect::IngressPolicies& p) {
        std::string why;
        if (ing.rejected)
            why = "the API server would reject it (see its validation errors)";
        else if (!ing.claimed)
            why = ing.effective_class.empty()
                      ? "it names no IngressClass and no IngressClass is the default"
                      : "IngressClass " + core::quoted(ing.effective_class) +
                            " is not served by the lab's controller";
        else if (p.disposition == dialect::Disposition::Dropped)
            why = "ingress-nginx drops it: " + p.disposition_reason;
        if (why.empty()) return true;
        for (const auto& rule : ing.rules) {
            auto& entry = table_->inactive_hosts_[rule.host.empty() ? "_" : rule.host];
            if (entry.empty())
                entry = "Ingress " + ing.meta.qualifiedName() + " is not served: " + why;
        }
        return false;
    }

    void defaultServer() {
        Server server;
        server.name = "_";
        table_->servers_.push_back(std::move(server));
        table_->default_server_ = 0;
    }

    // The server of a host, created when it is new (`created` says so). The default server
    // "_" for a host-less rule.
    Server& serverFor(const std::string& host, bool* created = nullptr) {
        if (created) *created = false;
        if (host.empty()) return table_->servers_[table_->default_server_];
        const bool wildcard = core::startsWith(host, "*.");
        auto& index = wildcard ? table_->wildcard_hosts_ : table_->exact_hosts_;
        const std::string_view key = wildcard ? std::string_view(host).substr(1) : host;
        if (auto it = index.find(key); it != index.end()) return table_->servers_[it->second];
        Server server;
        server.name = host;
        server.wildcard = wildcard;
        table_->servers_.push_back(std::move(server));
        index.emplace(std::string(key), table_->servers_.size() - 1);
        if (created) *created = true;
        return table_->servers_.back();
    }

    BackendTarget resolve(const model::Ingress& ing, const model::IngressBackend& backend) {
        BackendTarget t = resolveTarget(ing, backend);
        t.shared_ref = std::make_shared<const BackendRef>(t.ref());
        return t;
    }

    BackendTarget resolveTarget(const model::Ingress& ing, const model::IngressBackend& backend) {
        BackendTarget t;
        t.namespace_ = ing.meta.namespace_;
        t.location = backend.location;
        if (!backend.service) {
            t.problem = "resource backends are not supported by ingress-nginx";
            return t;
        }
        t.service = backend.service->name;
        t.port = backend.service->port;
        const model::Service* svc = m_.findService(t.namespace_, t.service);
        if (!svc) {
            t.problem =
                "Service " + core::quoted(t.namespace_ + "/" + t.service) + " does not exist";
            return t;
        }
        t.service_exists = true;
        const model::ServicePort* port = nullptr;
        for (const auto& p : svc->ports) {
            if ((!t.port.name.empty() && p.name == t.port.name) ||
                (t.port.name.empty() && p.port == t.port.number))
                port = &p;
        }
        if (svc->type == "ExternalName") return resolveExternalName(std::move(t), *svc);
        if (!port) {
            t.problem = "Service " + core::quoted(t.namespace_ + "/" + t.service) +
                        " has no port " + core::quoted(t.port.str());
            return t;
        }
        t.service_port = port->port;
        t.target_port = port->target_port.str();
        if (svc->selector.empty()) {  // hand-written Endpoints or EndpointSlices
            for (const model::ServiceEndpoints* e : m_.externalEndpoints(*svc))
                for (const auto& subset : e->subsets)
                    for (const auto& p : subset.ports)
                        if (p.name == port->name)
                            for (const auto& a : subset.addresses)
                                if (a.ready)
                                    t.endpoints.push_back(a.ip + ":" + std::to_string(p.port));
            return t;
        }
        for (const model::Pod* pod : m_.selectedPods(*svc)) {
            if (!pod->ready) continue;
            // A named targetPort only reaches pods that declare a container port of that name.
            if (!port->target_port.is_int &&
                std::none_of(pod->ports.begin(), pod->ports.end(),
                             [&](const auto& cp) { return cp.name == port->target_port.name; }))
                continue;
            t.endpoints.push_back(pod->meta.name);
        }
        return t;
    }

    // ingress-nginx proxies to the external name; the lab's stand-in pod answers for it.
    BackendTarget resolveExternalName(BackendTarget t, const model::Service& svc) {
        const model::ExternalNameEndpoint e = model::externalNameEndpoint(svc, t.port);
        if (!e.ok()) {
            t.problem = e.why;
            return t;
        }
        t.service_port = e.service_port;
        t.target_port = std::to_string(e.port);
        if (const model::Pod* pod = model::externalNamePod(m_, svc); pod && pod->ready)
            t.endpoints.push_back(pod->meta.name);
        return t;
    }

    // custom-headers (internal/ingress/annotations/customheaders/main.go): the ConfigMap must
    // exist, and each entry have a valid name and value and be allowed by the ConfigMap's
    // global-allowed-response-headers; else every location of the Ingress is denied (503).
    void resolveResponseHeaders(const model::Ingress& ing, dialect::IngressPolicies& p,
                                core::Diagnostics& found) const {
        dialect::ResponseHeadersPolicy& rh = p.response_headers;
        if (rh.config_map.empty()) return;
        const std::string& ref = rh.config_map;
        const auto slash = ref.find('/');
        const model::ConfigMap* config =
            slash == std::string::npos
                ? nullptr  // the controller's store looks it up by "namespace/name"
                : m_.findConfigMap(std::string_view(ref).substr(0, slash),
                                   std::string_view(ref).substr(slash + 1));
        std::string denied;
        if (!config) {
            denied = "unable to find configMap " + core::quoted(ref);
        } else {
            const auto& allowed = table_->options_.allowed_response_headers;
            for (const auto& [name, value] : config->data) {
                if (!dialect::nginx::isHeaderName(name)) {
                    denied = "invalid header name in configmap: " + core::quoted(name);
                } else if (!validHeaderValue(value.value)) {
                    denied = "invalid header value in configmap: " + core::quoted(value.value);
                } else if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
                    denied = "header " + name +
                             " is not allowed: the controller's ConfigMap lists the allowed ones "
                             "in global-allowed-response-headers";
                }
                if (!denied.empty()) break;
                rh.headers.emplace_back(name, value.value);
            }
        }
        if (denied.empty()) return;
        rh.headers.clear();
        if (p.disposition == dialect::Disposition::Active) {
            p.disposition = dialect::Disposition::LocationDenied;
            p.disposition_reason = "custom-headers: " + denied;
        }
        const std::string key = std::string(dialect_.annotationPrefix()) + "custom-headers";
        const auto at = ing.meta.annotation_locations.find(key);
        auto& d = found.error("ILAB-NGINX-003",
                              key + ": " + denied + "; every location of this Ingress answers 503",
                              at != ing.meta.annotation_locations.end() ? at->second
                                                                        : ing.meta.location);
        d.object = "Ingress " + ing.meta.qualifiedName();
    }

    // customheaders.ValidValue (ValidHeader is dialect::nginx::isHeaderName).
    static bool validHeaderValue(std::string_view value) {
        static constexpr std::string_view kOther = "_ :;.,\\/\"'?!(){}[]@<>=-+*#$&`|~^%";
        return !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
                   return std::isalnum(c) || kOther.find(static_cast<char>(c)) != std::string_view::npos;
               });
    }

    // --default-backend-service: the Service's first port (controller.go, getDefaultUpstream).
    void resolveDefaultService() {
        const std::string& ref = table_->options_.default_backend_service;
        const auto slash = ref.find('/');
        if (ref.empty() || slash == std::string::npos) return;
        model::Ingress owner;  // the Service's namespace is the flag's, not an Ingress's
        owner.meta.namespace_ = ref.substr(0, slash);
        table_->default_service_ = resolveFirstPort(owner, ref.substr(slash + 1));
    }

    // The default-backend annotation names a Service and uses its first port.
    BackendTarget resolveFirstPort(const model::Ingress& ing, const std::string& service) {
        model::IngressBackend backend;
        backend.service = model::IngressServiceBackend{};
        backend.service->name = service;
        if (const model::Service* svc = m_.findService(ing.meta.namespace_, service);
            svc && !svc->ports.empty())
            backend.service->port.number = svc->ports.front().port;
        return resolve(ing, backend);
    }

    void addServersAndTls(const model::Ingress& ing, const dialect::IngressPolicies& p,
                          const std::shared_ptr<const LocationAuth>& auth,
                          const std::string& name) {
        // ingress-nginx ignores a resource defaultBackend: only Service backends become upstreams.
        const bool has_default = ing.default_backend && ing.default_backend->service;
        if (ing.rules.empty() && has_default) {
            if (!table_->catch_all_) {
                table_->catch_all_ = resolve(ing, *ing.default_backend);
                table_->catch_all_ingress_ = name;
                table_->catch_all_auth_ = auth;
            } else {
                finding(core::Severity::Warning, "ILAB-ROUTE-006",
                        "default backend ignored: Ingress " + table_->catch_all_ingress_ +
                            " is older and already the catch-all for unmatched hosts",
                        ing.default_backend->location, &ing, "keep a single Ingress without rules");
            }
        }
        for (const auto& rule : ing.rules) {
            // ingress-nginx (createServers) builds a host's root "/" location from the Ingress
            // that first defines the host: its defaultBackend and its annotations.
            // default_backend_ingress names that Ingress, with or without a defaultBackend. The
            // default server "_" always exists, so only a rules-less Ingress changes its root.
            bool creates = false;
            Server& server = serverFor(rule.host, &creates);
            if (creates) {
                server.default_backend_ingress = name;
                server.root_auth = auth;
                if (has_default) server.default_backend = resolve(ing, *ing.default_backend);
            } else if (has_default && server.default_backend_ingress != name) {
                const std::string host = rule.host.empty() ? "_" : rule.host;
                finding(core::Severity::Warning, "ILAB-ROUTE-007",
                        "spec.defaultBackend does not serve host " + core::quoted(host) + ": " +
                            (rule.host.empty()
                                 ? std::string("ingress-nginx only uses the defaultBackend of an "
                                               "Ingress without rules for the default server")
                                 : "Ingress " + server.default_backend_ingress +
                                       " defined the host first and decides its default backend"),
                        ing.default_backend->location, &ing,
                        "unmatched requests to this host get the controller's 404; add a Prefix "
                        "\"/\" path for that Service instead");
            }
            if (p.rewrite.app_root && !server.app_root) server.app_root = p.rewrite.app_root;
            if (p.redirect.from_to_www) server.from_to_www = true;
            for (const std::string& alias : p.upstream.server_aliases) {
                if (!table_->exact_hosts_.count(alias) && !table_->aliases_.count(alias))
                    table_->aliases_[alias] =
                        static_cast<std::size_t>(&server - table_->servers_.data());
            }
        }
        // ingress-nginx looks for a certificate for the hosts of the Ingress's own rules
        // (extractTLSSecretName); the oldest Ingress that has one for a host keeps it. A tls
        // entry for a host the Ingress has no rule for does nothing.
        for (const auto& rule : ing.rules) {
            if (rule.host.empty() || ing.tls.empty()) continue;
            Server& server = serverFor(rule.host);
            for (const auto& tls : ing.tls) {
                for (const std::string& host : tls.hosts) {
                    if (server.tls || !tlsHostCovers(host, server)) continue;
                    server.tls = true;
                    if (!tls.secret_name.empty())
                        server.tls_secret = ing.meta.namespace_ + "/" + tls.secret_name;
                }
            }
        }
    }

    static bool tlsHostCovers(const std::string& host, const Server& server) {
        if (server.name == host) return true;
        const auto dot = server.name.find('.');
        return core::startsWith(host, "*.") && !server.wildcard && dot != std::string::npos &&
               server.name.substr(dot) == host.substr(1);
    }

    void addLocations(const model::Ingress& ing, const Policies& p,
                      const std::shared_ptr<const LocationAuth>& auth, const std::string& name) {
        for (const auto& rule : ing.rules) {
            Server& server = serverFor(rule.host);
            for (const auto& path : rule.paths) {
                // ingress-nginx renders no location for a resource backend ("skip non-service
                // backends"): the request falls to the server's default backend.
                if (!path.backend.service) continue;
                Location loc;
                loc.path = path.path.empty() ? "/" : path.path;
                loc.path_type = path.path_type;
                loc.prefix_key = prefixKey(loc.path);
                loc.backend = resolve(ing, path.backend);
                if (p->upstream.default_backend)
                    loc.fallback = resolveFirstPort(ing, *p->upstream.default_backend);
                loc.policies = p;
                loc.auth = auth;
                loc.ingress = name;
                loc.rule_host = rule.host;
                loc.source = path.location;
                loc.age = ing.meta.load_order;
                if (const Location* older = findSame(server, loc.path, loc.path_type)) {
                    finding(core::Severity::Warning, "ILAB-ROUTE-001",
                            "duplicate path " + core::quoted(loc.path) + " (" +
                                std::string(model::pathTypeName(loc.path_type)) + ") for host " +
                                core::quoted(server.name) + ": Ingress " + older->ingress +
                                " is older and wins; this one is ignored",
                            path.path_location, &ing,
                            "ingress-nginx keeps the oldest Ingress (creationTimestamp) for a "
                            "host and path; remove one of them");
                    continue;
                }
                if (p->forcesRegexMode(loc.path)) {
                    if (std::find(server.regex_sources.begin(), server.regex_sources.end(),
                                  loc.ingress) == server.regex_sources.end())
                        server.regex_sources.push_back(loc.ingress);
                    server.regex_mode = true;
                }
                server.locations.push_back(std::move(loc));
            }
        }
    }

    static const Location* findSame(const Server& server, const std::string& path, PathType type) {
        for (const auto& loc : server.locations)
            if (loc.path == path && sameNginxPathType(loc.path_type, type)) return &loc;
        return nullptr;
    }

    void mergeCanary(const model::Ingress& ing, const dialect::IngressPolicies& p,
                     const std::string& name) {
        if (ing.default_backend && table_->catch_all_ && ing.rules.empty()) {
            // A catch-all canary is an alternative for the main catch-all, never a server.
            finding(core::Severity::Info, "ILAB-ROUTE-005",
                    "canary default backend is not simulated for the catch-all server",
                    ing.default_backend->location, &ing);
        }
        for (const auto& rule : ing.rules) {
            const std::string host_key = rule.host.empty() ? "_" : rule.host;
            Server* server = nullptr;
            if (rule.host.empty())
                server = &table_->servers_[table_->default_server_];
            else if (core::startsWith(rule.host, "*.")) {
                auto it = table_->wildcard_hosts_.find(rule.host.substr(1));
                if (it != table_->wildcard_hosts_.end()) server = &table_->servers_[it->second];
            } else if (auto it = table_->exact_hosts_.find(rule.host);
                       it != table_->exact_hosts_.end()) {
                server = &table_->servers_[it->second];
            }
            for (const auto& path : rule.paths) {
                if (!path.backend.service) continue;  // ingress-nginx skips non-Service backends
                const std::string want = path.path.empty() ? "/" : path.path;
                Location* main = nullptr;
                if (server) {
                    for (auto& loc : server->locations)
                        if (loc.path == want && sameNginxPathType(loc.path_type, path.path_type))
                            main = &loc;
                }
                if (!main) {
                    finding(core::Severity::Error, "ILAB-ROUTE-002",
                            "canary for host " + core::quoted(host_key) + " path " +
                                core::quoted(want) + " (" +
                                std::string(model::pathTypeName(path.path_type)) +
                                ") matches no main Ingress rule: it receives no traffic",
                            path.path_location, &ing,
                            "a canary needs a non-canary Ingress with the same host, path and "
                            "pathType");
                    continue;
                }
                BackendTarget target = resolve(ing, path.backend);
                if (target.service == main->backend.service) {
                    finding(core::Severity::Error, "ILAB-ROUTE-003",
                            "canary uses the main rule's own Service " +
                                core::quoted(target.service) + ": ingress-nginx does not merge it",
                            path.backend.location, &ing,
                            "point the canary at a separate Service for the new version");
                    continue;
                }
                if (main->canary) {
                    finding(core::Severity::Error, "ILAB-ROUTE-004",
                            "second canary for host " + core::quoted(host_key) + " path " +
                                core::quoted(want) + ": Ingress " + main->canary->ingress +
                                " already is its canary; this one is ignored",
                            path.path_location, &ing, "only one canary per rule is allowed");
                    continue;
                }
                main->canary = CanaryTarget{std::move(target), p.canary, name,
                                            path.location};
            }
        }
    }

    void finishServer(Server& server) {
        if (server.regex_mode) {
            // ingress-nginx sorts locations by path length, longest first (ties: reverse
            // lexical) and nginx takes the first regex that matches.
            std::stable_sort(server.locations.begin(), server.locations.end(),
                             [](const Location& a, const Location& b) {
                                 if (a.path.size() != b.path.size())
                                     return a.path.size() > b.path.size();
                                 return a.path > b.path;
                             });
            std::vector<Location> kept;
            for (Location& loc : server.locations) {
                std::string error;
                loc.regex = core::Regex::compile(loc.path, {true, true}, &error);
                if (!loc.regex) {
                    finding(
                        core::Severity::Error, "ILAB-ROUTE-008",
                        "path " + core::quoted(loc.path) + " is not a valid regex (" + error +
                            ") and host " + core::quoted(server.name) +
                            " is in regex mode: nginx would refuse the configuration",
                        loc.source, nullptr,
                        "escape regex characters or drop use-regex/rewrite-target on this host");
                    continue;
                }
                kept.push_back(std::move(loc));
            }
            server.locations = std::move(kept);
            for (std::size_t i = 0; i < server.locations.size(); ++i) {
                const std::string prefix =
                    core::toLower(core::literalPrefix(server.locations[i].path));
                auto& list = server.regex_prefixes[prefix];
                if (list.empty() && !prefix.empty())
                    server.regex_prefix_lengths.push_back(prefix.size());
                list.push_back(i);
            }
            std::sort(server.regex_prefix_lengths.begin(), server.regex_prefix_lengths.end());
            server.regex_prefix_lengths.erase(std::unique(server.regex_prefix_lengths.begin(),
                                                          server.regex_prefix_lengths.end()),
                                              server.regex_prefix_lengths.end());
            return;
        }
        for (std::size_t i = 0; i < server.locations.size(); ++i) {
            const Location& loc = server.locations[i];
            if (loc.path_type == PathType::Exact)
                server.exact.emplace(loc.path, i);
            else
                server.prefixes[loc.prefix_key].push_back(i);
        }
    }

    const model::Manifests& m_;
    const dialect::Dialect& dialect_;
    core::Diagnostics* findings_;
    std::shared_ptr<RouteTable> table_;
    std::unordered_map<std::string, Policies> shared_policies_;  // by annotations
};

std::shared_ptr<const RouteTable> RouteTable::compile(const model::Manifests& manifests,
                                                      const dialect::Dialect& dialect,
                                                      const CompileOptions& options,
                                                      core::Diagnostics* findings) {
    return RouteCompiler(manifests, dialect, options, findings).run();
}

const Server* RouteTable::findServer(std::string_view host) const {
    if (auto it = exact_hosts_.find(host); it != exact_hosts_.end()) return &servers_[it->second];
    if (auto it = aliases_.find(host); it != aliases_.end()) return &servers_[it->second];
    if (const auto dot = host.find('.'); dot != std::string_view::npos && dot > 0) {
        if (auto it = wildcard_hosts_.find(host.substr(dot)); it != wildcard_hosts_.end())
            return &servers_[it->second];
    }
    return nullptr;
}

std::size_t RouteTable::locationCount() const {
    std::size_t n = 0;
    for (const auto& s : servers_)
        n += s.locations.size();
    return n;
}

}  // namespace ilab::routing
