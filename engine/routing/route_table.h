#pragma once
// The compiled, immutable routing configuration. Compiling a new table never disturbs one in
// use: front ends hold a std::shared_ptr<const RouteTable> and swap it whole on reload.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/cidr.h"
#include "engine/core/diagnostic.h"
#include "engine/core/random.h"
#include "engine/dialect/dialect.h"
#include "engine/model/manifests.h"
#include "engine/routing/decision.h"
#include "engine/routing/header_block_list.h"
#include "engine/routing/location_auth.h"
#include "engine/routing/request.h"

namespace ilab::routing {

struct CompileOptions {
    // The controller plug-in compiling the table (engine/controllers): its id and title, for
    // traces and views. Set by Controller::compile.
    std::string controller_id;
    std::string controller_title;
    // The controller's own configuration object, "namespace/name": ingress-nginx's --configmap.
    // Empty: the controller's default (ingress-nginx/ingress-nginx-controller).
    std::string configuration;
    int http_redirect_code = 308;  // ConfigMap http-redirect-code
    // nginx's auto_redirect: a request for "/static" answers 301 to "/static/" where only a
    // path written "/static/" is defined (route_matcher.cpp, slashLocation()). ingress-nginx
    // only; the Ingress specification matches "/static" by the Prefix "/static/".
    bool slash_redirect = true;
    std::vector<std::string> no_tls_redirect_locations{"/.well-known/acme-challenge"};
    bool use_forwarded_headers = false;  // trust X-Forwarded-Proto/-Host/-For from clients
    // nginx's realip module as nginx.tmpl sets it when use-forwarded-headers or enable-real-ip:
    // real_ip_header forwarded-for-header, real_ip_recursive on, set_real_ip_from for each
    // proxy-real-ip-cidr. Off unless one of the two is on.
    bool enable_real_ip = false;
    std::string forwarded_for_header = "X-Forwarded-For";
    std::vector<core::Cidr> real_ip_from = {*core::Cidr::parse("0.0.0.0/0")};
    // compute-full-forwarded-for (with use-forwarded-headers): X-Forwarded-For upstream is the
    // client's list plus the peer's address, instead of the client's address alone.
    bool compute_full_forwarded_for = false;
    std::uint64_t default_body_limit = 1024 * 1024;
    // ConfigMap allow-cross-namespace-resources: may auth-secret name another namespace's
    // Secret? ingress-nginx v1.15's default is false (location denied, 503).
    bool allow_cross_namespace_resources = false;
    // What the controller's configuration sets where no annotation does (ingress-nginx's
    // ConfigMap proxy-body-size, ssl-redirect, load-balance, ...); null: the dialect's own.
    std::shared_ptr<const dialect::IngressPolicies> policy_defaults;
    // ConfigMap global-allowed-response-headers: the only header names a custom-headers
    // ConfigMap may set; any other denies the Ingress's locations (503).
    std::vector<std::string> allowed_response_headers;
    // ConfigMap relative-redirects: false (the default) makes a relative redirect target
    // absolute with the request's scheme and host, as nginx's absolute_redirect does.
    bool relative_redirects = false;
    // ConfigMap block-cidrs: nginx's `deny` in the http block, so 403 in the access phase of
    // every location without allow/deny rules of its own (nginx does not inherit the http
    // block's rules into a location that has some).
    std::vector<core::Cidr> block_cidrs;
    // ConfigMap block-user-agents and block-referers: 403 as soon as the server is chosen.
    HeaderBlockList block_user_agents;
    HeaderBlockList block_referers;
    // The controller's own default backend, "namespace/name" (ingress-nginx's
    // --default-backend-service): what answers where no Ingress does, on the Service's first
    // port. "": the built-in 404, also when the Service is missing or has no ready endpoint.
    std::string default_backend_service;
};

// A Service backend as compiled: the reference and what it resolves to.
struct BackendTarget {
    std::string namespace_, service;
    model::ServiceBackendPort port;
    core::SourceLocation location;
    bool service_exists = false;
    int service_port = 0;
    std::string target_port;
    std::vector<std::string> endpoints;  // ready pods behind it
    std::string problem;  // why it can never serve: no Service, no such port ("" when it can)
    bool serves() const { return problem.empty() && !endpoints.empty(); }
    BackendRef ref() const;
    std::shared_ptr<const BackendRef> shared_ref;  // ref(), built once at compile time
};

struct CanaryTarget {
    BackendTarget backend;
    dialect::CanaryPolicy policy;
    std::string ingress;  // namespace/name
    core::SourceLocation location;
};

struct Location {
    std::string path;  // as written ("/" for an empty ImplementationSpecific path)
    model::PathType path_type = model::PathType::Prefix;
    std::string prefix_key;                    // Prefix matching: "/a/b" for "/a/b/" and "/a/b"
    std::shared_ptr<const core::Regex> regex;  // regex mode only
    BackendTarget backend;
    std::optional<CanaryTarget> canary;
    std::optional<BackendTarget>
        fallback;  // default-backend annotation: serves when backend cannot
    std::shared_ptr<const dialect::IngressPolicies> policies;
    std::shared_ptr<const LocationAuth> auth;  // basic/digest authentication; null when none
    std::string ingress;    // namespace/name
    std::string rule_host;  // host as written in the rule
    core::SourceLocation source;
    std::size_t age = 0;  // smaller is older
};

struct Server {
    std::string name;  // "_" is the default server
    bool wildcard = false;
    bool regex_mode = false;
    std::vector<std::string> regex_sources;  // Ingresses whose annotations forced regex mode
    std::vector<Location> locations;         // regex mode: in nginx's order
    // Regex mode: locations by the lower-cased literal prefix their regex needs (key "" for none),
    // each list in nginx's order, and the distinct prefix lengths. A path only runs the regexes
    // whose prefix it starts with: 1,000 regex paths cost a few lookups, not 1,000 matches.
    std::unordered_map<std::string, std::vector<std::size_t>> regex_prefixes;
    std::vector<std::size_t> regex_prefix_lengths;
    std::unordered_map<std::string, std::size_t> exact;                  // path -> location
    std::unordered_map<std::string, std::vector<std::size_t>> prefixes;  // prefix_key -> locations
    bool tls = false;
    std::string tls_secret;  // namespace/name ("" when none)
    std::optional<BackendTarget> default_backend;
    std::string default_backend_ingress;  // the Ingress that defined this host first
    std::shared_ptr<const LocationAuth> root_auth;  // that Ingress's authentication, if any
    std::optional<std::string> app_root;
    bool from_to_www = false;
};

// Lets the host maps be searched with a std::string_view, without a std::string per lookup.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using HostIndex = std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>>;

// How many endpoints of a backend are ready right now; the live lab's cluster answers it.
// Which side of a canaried location a request's session-affinity cookie already pins it to.
// Asked before the canary's header, cookie and weight rules, as ingress-nginx's balancer.lua
// does; the live proxy answers it from its balancers. Without one, nothing is pinned.
class CanaryAffinity {
  public:
    enum class Pin { None, Main, Canary };
    virtual ~CanaryAffinity() = default;
    virtual Pin pin(const Request& request, const Location& location) const = 0;
};

class EndpointOracle {
  public:
    virtual ~EndpointOracle() = default;
    virtual std::size_t readyEndpoints(const BackendRef& backend) const = 0;
};

// Everything match() consults; also read by lint and the front ends' topology views.
class RouteTable {
  public:
    // Compiles the claimed, valid Ingresses of `manifests`. Findings about how routes combine
    // (duplicates, canaries that do not attach, regex mode spreading) go to `findings`.
    static std::shared_ptr<const RouteTable> compile(const model::Manifests& manifests,
                                                     const dialect::Dialect& dialect,
                                                     const CompileOptions& options,
                                                     core::Diagnostics* findings);

    struct MatchOptions {
        bool trace = true;  // the proxy's hot path turns the step-by-step trace off
        // Live readiness (the running lab's pods). Without it, every pod the manifests would
        // run counts as ready, which is what `explain` shows.
        const EndpointOracle* endpoints = nullptr;
        const CanaryAffinity* affinity = nullptr;  // the live proxy's session cookies
        // Replays a weighted canary draw (Decision::canary_draw of an earlier decision, e.g.
        // the live proxy's) instead of drawing: the trace then explains that very request.
        std::optional<std::uint64_t> canary_draw = std::nullopt;
    };
    // Decides one request. Pure: the same table, request and random draws give the same
    // Decision. Without `random`, a weighted canary split reports its weights and picks the
    // main backend. Safe to call from many threads at once.
    Decision match(const Request& request, core::Random* random) const;
    Decision match(const Request& request, core::Random* random, MatchOptions options) const;

    const std::vector<Server>& servers() const { return servers_; }
    const Server* findServer(std::string_view host) const;
    std::size_t locationCount() const;
    const CompileOptions& options() const { return options_; }
    // The catch-all for unknown hosts: the oldest rules-less Ingress's spec.defaultBackend.
    const std::optional<BackendTarget>& catchAll() const { return catch_all_; }
    const std::string& catchAllIngress() const { return catch_all_ingress_; }
    // Hosts that only unclaimed, rejected or dropped Ingresses define, and why.
    const std::unordered_map<std::string, std::string>& inactiveHosts() const {
        return inactive_hosts_;
    }
    // Per-Ingress policies, by namespace/name, as the dialect read them.
    const std::unordered_map<std::string, std::shared_ptr<const dialect::IngressPolicies>>&
    policies() const {
        return policies_;
    }
    // The catch-all Ingress's authentication, for the default server's root location.
    const LocationAuth* catchAllAuth() const { return catch_all_auth_.get(); }
    // CompileOptions::default_backend_service resolved; unset without one.
    const std::optional<BackendTarget>& controllerDefaultBackend() const { return default_service_; }

  private:
    friend class RouteCompiler;
    CompileOptions options_;
    std::vector<Server> servers_;
    HostIndex exact_hosts_;     // host -> server
    HostIndex wildcard_hosts_;  // ".foo.com" -> server
    HostIndex aliases_;         // server-alias -> server
    std::size_t default_server_ = 0;
    std::optional<BackendTarget> catch_all_;  // a rules-less Ingress's defaultBackend
    std::string catch_all_ingress_;
    std::shared_ptr<const LocationAuth> catch_all_auth_;
    std::optional<BackendTarget> default_service_;
    std::unordered_map<std::string, std::string> inactive_hosts_;
    std::unordered_map<std::string, std::shared_ptr<const dialect::IngressPolicies>> policies_;
};

}  // namespace ilab::routing
