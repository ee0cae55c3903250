#include "engine/controllers/ingress_nginx.h"

#include "engine/controllers/nginx_configuration.h"
#include "engine/controllers/nginx_flags.h"
#include "engine/controllers/nginx_helm_values.h"

namespace ilab::controllers {
namespace {

std::string_view configMapOf(const routing::CompileOptions& options) {
    return options.configuration.empty() ? nginx::kDefaultConfigMap
                                         : std::string_view(options.configuration);
}

// The ConfigMap's keys that shape the route table, where the ConfigMap sets them; the rest of
// `options` stays as the front end set it.
routing::CompileOptions withConfiguration(routing::CompileOptions options,
                                          const nginx::NginxConfiguration& c) {
    if (c.sets("use-forwarded-headers")) options.use_forwarded_headers = c.use_forwarded_headers;
    if (c.sets("enable-real-ip")) options.enable_real_ip = c.enable_real_ip;
    if (c.sets("forwarded-for-header")) options.forwarded_for_header = c.forwarded_for_header;
    if (c.sets("proxy-real-ip-cidr")) options.real_ip_from = c.proxy_real_ip_cidr;
    if (c.sets("compute-full-forwarded-for"))
        options.compute_full_forwarded_for = c.compute_full_forwarded_for;
    if (c.sets("http-redirect-code")) options.http_redirect_code = c.http_redirect_code;
    if (c.sets("no-tls-redirect-locations"))
        options.no_tls_redirect_locations = c.no_tls_redirect_locations;
    if (c.sets("proxy-body-size")) options.default_body_limit = c.proxy_body_size;
    if (c.sets("allow-cross-namespace-resources"))
        options.allow_cross_namespace_resources = c.allow_cross_namespace_resources;
    if (c.sets("relative-redirects")) options.relative_redirects = c.relative_redirects;
    if (c.sets("global-allowed-response-headers"))
        options.allowed_response_headers = c.allowed_response_headers;
    if (c.sets("block-cidrs")) options.block_cidrs = c.block_cidrs;
    if (c.sets("block-user-agents"))
        options.block_user_agents = routing::HeaderBlockList::compile(c.block_user_agents);
    if (c.sets("block-referers"))
        options.block_referers = routing::HeaderBlockList::compile(c.block_referers);
    // defaults.Backend's keys: the starting point of every Ingress's annotations.
    if (c.sets("proxy-body-size") || c.sets("ssl-redirect") || c.sets("force-ssl-redirect") ||
        c.sets("load-balance")) {
        auto defaults = std::make_shared<dialect::IngressPolicies>();
        defaults->body_limit.max_bytes = c.proxy_body_size;
        defaults->body_limit.as_written = c.proxy_body_size_text;
        defaults->redirect.ssl_redirect = c.ssl_redirect;
        defaults->redirect.force_ssl_redirect = c.force_ssl_redirect;
        defaults->load_balance.algorithm = c.load_balance;
        options.policy_defaults = std::move(defaults);
    }
    return options;
}

class IngressNginx final : public Controller {
  public:
    std::string_view id() const override { return "ingress-nginx"; }
    std::string_view controllerName() const override { return model::kNginxController; }
    std::string_view title() const override { return "ingress-nginx v1.15"; }
    // The class its Helm chart installs (charts/ingress-nginx/values.yaml,
    // controller.ingressClassResource.name).
    std::string_view defaultClassName() const override { return "nginx"; }
    const dialect::Dialect& annotations() const override { return *dialect_; }
    // `helm install <name> ingress-nginx/ingress-nginx -n ingress-nginx` names its ConfigMap
    // <name>-controller (templates/controller-configmap.yaml, ingress-nginx.controller.fullname).
    std::string configurationFor(std::string_view install_name) const override {
        return std::string(nginx::kReleaseNamespace) + "/" + std::string(install_name) +
               "-controller";
    }
    void applyArgs(const std::vector<ControllerArg>& args, model::LoadOptions& load,
                   routing::CompileOptions& compile, core::Diagnostics& findings) const override {
        nginx::applyFlags(args, load, compile, findings);
    }

    std::shared_ptr<const routing::RouteTable> compile(
        const model::Manifests& manifests, const routing::CompileOptions& options,
        core::Diagnostics* findings) const override {
        core::Diagnostics unused;
        const auto config =
            nginx::readConfiguration(manifests, configMapOf(options), findings ? *findings : unused);
        routing::CompileOptions configured = withConfiguration(options, config);
        if (!config.sets("annotations-risk-level") && !config.sets("allow-snippet-annotations") &&
            !config.sets("annotation-value-word-blocklist"))
            return Controller::compile(manifests, configured, findings);
        // The ConfigMap's rules about annotations themselves: a dialect for this table.
        const auto dialect = dialect::makeNginxDialect(
            {config.annotations_risk_level, config.allow_snippet_annotations,
             config.annotation_value_word_blocklist});
        configured.controller_id = std::string(id());
        configured.controller_title = std::string(title());
        return routing::RouteTable::compile(manifests, *dialect, configured, findings);
    }

    EdgeSettings edgeSettings(const model::Manifests& manifests,
                              const routing::CompileOptions& options) const override {
        core::Diagnostics unused;  // compile() reports them
        const auto c = nginx::readConfiguration(manifests, configMapOf(options), unused);
            EdgeSettings edge;
        edge.tls = c.tls;
        edge.tls.hsts = c.hsts;
        using std::chrono::seconds;
        if (c.sets("keep-alive")) edge.keepalive_timeout = seconds(c.keep_alive);
        if (c.sets("client-header-timeout")) edge.header_timeout = seconds(c.client_header_timeout);
        if (c.sets("client-body-timeout")) edge.body_timeout = seconds(c.client_body_timeout);
        if (c.sets("upstream-keepalive-connections"))
            edge.upstream_idle_per_endpoint = static_cast<std::size_t>(c.upstream_keepalive_connections);
        return edge;
    }

  private:
    std::unique_ptr<dialect::Dialect> dialect_ = dialect::makeNginxDialect();
};

}  // namespace

std::unique_ptr<Controller> makeIngressNginx() { return std::make_unique<IngressNginx>(); }

}  // namespace ilab::controllers
