#pragma once
// ingress-nginx's own configuration: the keys of its ConfigMap (the controller's --configmap,
// by default ingress-nginx/ingress-nginx-controller), typed and validated the way v1.15 reads
// them (internal/ingress/controller/template/configmap.go, ReadConfig), with the defaults of
// internal/ingress/controller/config/config.go (NewDefault). docs/controllers.md lists them.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/cidr.h"
#include "engine/core/diagnostic.h"
#include "engine/dialect/nginx_annotations.h"
#include "engine/model/manifests.h"
#include "engine/tls/hsts.h"
#include "engine/tls/tls_options.h"

namespace ilab::controllers::nginx {

// The chart's ConfigMap (charts/ingress-nginx/templates/controller-configmap.yaml names it
// <release>-controller in the release's namespace; the chart's own install is
// ingress-nginx/ingress-nginx-controller, which is also what the controller's deploy manifests
// pass as --configmap).
inline constexpr std::string_view kDefaultConfigMap = "ingress-nginx/ingress-nginx-controller";

// Global external authentication (global-auth-*): read and validated here; enforced with
// external authentication.
struct GlobalAuth {
    std::string url;  // "" when unset or denied (not an absolute URL)
    std::string method;
    std::string signin;
    std::string signin_redirect_param = "rd";
    std::vector<std::string> response_headers;
    std::string request_redirect;
    std::string snippet;
    std::string cache_key;
    std::vector<std::string> cache_duration;
    bool always_set_cookie = false;
};

struct NginxConfiguration {
    // "namespace/name" of the ConfigMap read; "" when none was found (all defaults).
    std::string config_map;

    // The client's address and the X-Forwarded-* headers.
    bool use_forwarded_headers = false;
    std::string forwarded_for_header = "X-Forwarded-For";
    bool compute_full_forwarded_for = false;
    bool enable_real_ip = false;
    std::vector<core::Cidr> proxy_real_ip_cidr = {*core::Cidr::parse("0.0.0.0/0")};

    // TLS and redirects to HTTPS.
    tls::HstsOptions hsts;
    tls::TlsOptions tls;
    bool ssl_redirect = true;
    bool force_ssl_redirect = false;
    std::vector<std::string> no_tls_redirect_locations = {"/.well-known/acme-challenge"};
    int http_redirect_code = 308;
    bool relative_redirects = false;

    // Deny lists, checked before any routing.
    std::vector<core::Cidr> block_cidrs;
    std::vector<std::string> block_user_agents;
    std::vector<std::string> block_referers;

    // Clients and upstreams.
    std::string load_balance = "round_robin";
    int proxy_connect_timeout = 5;  // seconds, as the proxy-*-timeout annotations
    int proxy_read_timeout = 60;
    int proxy_send_timeout = 60;
    std::uint64_t proxy_body_size = 1024 * 1024;  // 0 means no limit
    std::string proxy_body_size_text = "1m";     // as written
    int client_header_timeout = 60;
    int client_body_timeout = 60;
    int keep_alive = 75;
    int keep_alive_requests = 1000;
    int upstream_keepalive_connections = 320;
    int upstream_keepalive_timeout = 60;
    int limit_req_status_code = 503;
    int limit_conn_status_code = 503;
    std::vector<int> custom_http_errors;
    bool server_tokens = false;

    // What Ingresses may say.
    bool allow_snippet_annotations = false;
    std::vector<std::string> annotation_value_word_blocklist;
    dialect::nginx::Risk annotations_risk_level = dialect::nginx::Risk::High;
    bool strict_validate_path_type = true;
    bool allow_cross_namespace_resources = false;

    GlobalAuth global_auth;

    // global-allowed-response-headers: what a custom-headers ConfigMap may set.
    std::vector<std::string> allowed_response_headers;

    // add-headers and proxy-set-headers: "namespace/name" of a ConfigMap of headers.
    std::string add_headers;
    std::string proxy_set_headers;

    // Where each key the ConfigMap set was written, for traces, export and diff.
    std::map<std::string, core::SourceLocation, std::less<>> written;
    // Whether the ConfigMap sets `key` (else the field holds ingress-nginx's default).
    bool sets(std::string_view key) const { return written.contains(key); }
};

// Every key ingress-nginx v1.15 reads from its ConfigMap (the json tags of config.go and
// defaults/main.go, and the keys configmap.go reads by hand), sorted.
std::span<const std::string_view> knownConfigMapKeys();
// Whether the lab honours the key, or only reads it (known, not simulated).
bool isSimulatedConfigMapKey(std::string_view key);

// Reads `data` as ingress-nginx reads its ConfigMap. Findings go to `diagnostics`, each at the
// key or value it is about:
//   ILAB-CONFIG-001 (warning) a key ingress-nginx does not know, with did-you-mean;
//   ILAB-CONFIG-002 (error)   a value ingress-nginx ignores, keeping the default;
//   ILAB-CONFIG-003 (error)   a value nginx refuses (nginx -t fails): ingress-nginx keeps
//                             serving its previous configuration, the lab the default;
//   ILAB-CONFIG-004 (info)    a known key the lab reads but does not simulate.
NginxConfiguration readConfigMapData(const std::map<std::string, model::ConfigMapValue>& data,
                                     const std::string& object, core::Diagnostics& diagnostics);

// Finds the ConfigMap `reference` ("namespace/name") among the manifests and reads it; all
// defaults when there is none (ILAB-CONFIG-006 when `reference` is not the default one).
// ConfigMaps nothing reads are reported (ILAB-CONFIG-005, info).
NginxConfiguration readConfiguration(const model::Manifests& manifests,
                                     std::string_view reference, core::Diagnostics& diagnostics);

}  // namespace ilab::controllers::nginx
