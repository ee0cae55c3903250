#pragma once
// Engine-neutral policies. A dialect (ingress-nginx today; Traefik, HAProxy or Gateway API
// later) translates its annotations into these; routing and the proxy only know these.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/cidr.h"
#include "engine/core/diagnostic.h"
#include "engine/core/regex.h"

namespace ilab::dialect {

enum class AffinityCanaryBehavior { Sticky, Legacy };

struct CanaryPolicy {
    bool enabled = false;                  // this Ingress is an alternative backend for a main rule
    std::optional<std::string> by_header;  // header name
    std::optional<std::string> by_header_value;  // exact value sending to the canary
    std::optional<std::string> by_header_pattern;
    std::shared_ptr<const core::Regex> header_pattern;  // compiled; null when invalid or unset
    bool header_pattern_invalid = false;  // a broken pattern: ingress-nginx then picks the main
    std::optional<std::string> by_cookie;
    int weight = 0;
    int weight_total = 100;  // as written; the effective total is max(100, weight_total)
    AffinityCanaryBehavior affinity_behavior = AffinityCanaryBehavior::Sticky;

    int effectiveWeightTotal() const { return weight_total > 100 ? weight_total : 100; }
};

struct RewritePolicy {
    std::optional<std::string> target;  // rewrite-target, with $1..$n
    bool use_regex = false;
    std::optional<std::string> app_root;
    std::optional<std::string> x_forwarded_prefix;
};

struct Redirect {
    std::string url;
    int code = 301;
};

struct RedirectPolicy {
    std::optional<Redirect> permanent;  // 301 unless permanent-redirect-code says 300..308
    std::optional<Redirect> temporal;   // 302 unless temporal-redirect-code says 300..307; wins
    bool ssl_redirect = true;
    bool force_ssl_redirect = false;
    bool preserve_trailing_slash = false;
    bool from_to_www = false;
    // relative-redirects: nginx's `absolute_redirect off` in the location. When false (the
    // default), nginx turns a Location that starts with "/" (a relative permanent-redirect, the
    // 301 that adds a trailing slash) into scheme://host/... of the request.
    bool relative = false;
};

struct AccessPolicy {
    std::vector<core::Cidr> allow;  // empty: everyone (unless has_allow_list)
    std::vector<core::Cidr> deny;
    bool has_allow_list = false;
};

enum class BackendProtocol { Http, Https, AutoHttp, Grpc, Grpcs, Fcgi };
std::string_view backendProtocolName(BackendProtocol protocol);

struct UpstreamPolicy {
    std::optional<std::string> vhost;  // Host sent upstream
    BackendProtocol protocol = BackendProtocol::Http;
    std::optional<std::string> default_backend;  // Service name in the Ingress's namespace
    std::vector<int> custom_http_errors;
    std::vector<std::string> server_aliases;
};

struct BodyLimitPolicy {
    // proxy-body-size in bytes; 0 disables the check. ingress-nginx's default is 1m.
    std::uint64_t max_bytes = 1024 * 1024;
    std::string as_written = "1m";
};

struct RateLimitPolicy {
    int rps = 0, rpm = 0, connections = 0;  // 0: off
    int burst_multiplier = 5;
    std::vector<core::Cidr> allowlist;
    // limit-rate (KB/s per connection) after limit-rate-after KB. nginx only applies them to
    // buffered responses: proxy-buffering "on" (ingress-nginx's default is off).
    long long rate_kbytes = 0, rate_after_kbytes = 0;
    bool response_buffering = false;
    bool bandwidthLimited() const { return rate_kbytes > 0 && response_buffering; }
    bool active() const { return rps > 0 || rpm > 0 || connections > 0; }
};

struct TimeoutPolicy {
    int connect_seconds = 5, read_seconds = 60, send_seconds = 60;
};

struct RetryPolicy {
    std::vector<std::string> conditions{"error", "timeout"};
    int tries = 3;
    int timeout_seconds = 0;  // 0: no limit
    bool request_buffering = true;
};

struct LoadBalancePolicy {
    std::string algorithm = "round_robin";  // round_robin | ewma
    std::optional<std::string> hash_by;     // upstream-hash-by: consistent hashing
    bool hash_by_subset = false;
    int hash_by_subset_size = 3;
};

struct AffinityPolicy {
    bool cookie = false;  // affinity: cookie
    std::string mode = "balanced";
    std::string cookie_name = "INGRESSCOOKIE";
    std::optional<std::string> cookie_path, cookie_domain, cookie_samesite;
    std::optional<long long> cookie_expires, cookie_max_age;
    bool cookie_secure = false, conditional_samesite_none = false, change_on_failure = false;
};

struct CorsPolicy {
    bool enabled = false;
    std::vector<std::string> allow_origins{"*"};
    std::string allow_methods = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
    std::string allow_headers =
        "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,"
        "Content-Type,Range,Authorization";
    std::string expose_headers;
    bool allow_credentials = true;
    long long max_age = 1728000;
};

// custom-headers: a ConfigMap ("namespace/name") whose entries every response of the Ingress's
// locations carries (nginx.tmpl: more_set_headers). The route compiler resolves it.
struct ResponseHeadersPolicy {
    std::string config_map;
    std::vector<std::pair<std::string, std::string>> headers;  // resolved, by name
};

struct AuthPolicy {
    std::string type;  // "", basic, digest
    std::optional<std::string> secret, realm, url, method, signin, signin_redirect_param;
    std::string secret_type = "auth-file";
    std::vector<std::string> response_headers;
};

// Why a whole Ingress or its locations stop serving, as ingress-nginx decides.
enum class Disposition {
    Active,          // served normally
    LocationDenied,  // every location of the Ingress answers 503
    Dropped,         // the controller ignores the whole Ingress
};

// Everything a dialect read from one Ingress.
struct IngressPolicies {
    Disposition disposition = Disposition::Active;
    std::string disposition_reason;  // which annotation and why
    CanaryPolicy canary;
    RewritePolicy rewrite;
    RedirectPolicy redirect;
    AccessPolicy access;
    UpstreamPolicy upstream;
    BodyLimitPolicy body_limit;
    RateLimitPolicy rate_limit;
    TimeoutPolicy timeouts;
    RetryPolicy retry;
    LoadBalancePolicy load_balance;
    AffinityPolicy affinity;
    CorsPolicy cors;
    AuthPolicy auth;
    ResponseHeadersPolicy response_headers;
    // Does a location of this Ingress with `path` switch its host into regex mode? use-regex
    // does; so does a rewrite-target, unless it equals the path (template.go needsRewrite).
    bool forcesRegexMode(std::string_view path) const {
        return rewrite.use_regex || (rewrite.target && *rewrite.target != path);
    }
};

}  // namespace ilab::dialect
