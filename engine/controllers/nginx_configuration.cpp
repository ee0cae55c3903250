// Reads ingress-nginx's ConfigMap the way v1.15 does. Most keys are decoded by mapstructure
// with WeaklyTypedInput (configmap.go, the end of ReadConfig): a bool accepts what Go's
// strconv.ParseBool accepts and "" as false, an int what strconv.ParseInt(s, 0, 64) accepts
// (so "0x10" and "017" are numbers) and "" as 0; a value that does not decode is skipped with a
// warning and the default stays. A few keys configmap.go reads by hand, with their own rules.
// Values nginx itself refuses fail `nginx -t`, and ingress-nginx then keeps its last good
// configuration.
#include "engine/controllers/nginx_configuration.h"

#include <charconv>
#include <functional>
#include <set>

#include "engine/core/text.h"

namespace ilab::controllers::nginx {
namespace {

using dialect::nginx::parseGoBool;
using dialect::nginx::splitList;

// Go's strconv.ParseInt(text, 0, 64): a sign, then decimal, 0x hex, 0o or leading-0 octal,
// or 0b binary, with underscores between digits.
std::optional<long long> parseGoIntAnyBase(std::string_view text) {
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    int base = 10;
    if (text.size() > 1 && text.front() == '0') {
        const char marker = static_cast<char>(std::tolower(static_cast<unsigned char>(text[1])));
        if (marker == 'x' || marker == 'o' || marker == 'b') {
            base = marker == 'x' ? 16 : marker == 'o' ? 8 : 2;
            text.remove_prefix(2);
            if (!text.empty() && text.front() == '_') text.remove_prefix(1);
        } else {
            base = 8;
            text.remove_prefix(1);
        }
    }
    std::string digits;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_' && i > 0 && i + 1 < text.size() && text[i - 1] != '_') continue;
        digits.push_back(text[i]);
    }
    if (digits.empty()) return base == 8 ? std::optional<long long>(0) : std::nullopt;
    long long value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return negative ? -value : value;
}

class Reader {
  public:
    Reader(const std::map<std::string, model::ConfigMapValue>& data, std::string object,
           core::Diagnostics& diagnostics, NginxConfiguration& out)
        : data_(data), object_(std::move(object)), d_(diagnostics), out_(out) {}

    // The value of `key` when the ConfigMap sets it; marks it read.
    const model::ConfigMapValue* take(std::string_view key) {
        auto it = data_.find(std::string(key));
        if (it == data_.end()) return nullptr;
        read_.insert(it->first);
        out_.written[it->first] = it->second.value_location;
        return &it->second;
    }

    void ignored(std::string_view key, const model::ConfigMapValue& v, std::string why,
                 std::string kept) {
        say(d_.error("ILAB-CONFIG-002",
                     std::string(key) + ": Invalid value: " + core::quoted(v.value) + ": " + why +
                         "; ingress-nginx ignores it and keeps " + kept,
                     v.value_location));
    }

    void refusedByNginx(std::string_view key, const model::ConfigMapValue& v, std::string why,
                        std::string hint = {}) {
        say(d_.error("ILAB-CONFIG-003",
                     std::string(key) + ": Invalid value: " + core::quoted(v.value) + ": " + why +
                         "; nginx -t fails, so ingress-nginx keeps serving its previous "
                         "configuration (the lab: the default)",
                     v.value_location, std::move(hint)));
    }

    void boolean(std::string_view key, bool& field) {
        const auto* v = take(key);
        if (!v) return;
        if (v->value.empty()) {
            field = false;
            return;
        }
        if (auto b = parseGoBool(v->value)) {
            field = *b;
            return;
        }
        ignored(key, *v, "not a boolean (true or false)", field ? "\"true\"" : "\"false\"");
    }

    // An int key; `nginx_minimum` is the least value nginx accepts in the directive it sets.
    void integer(std::string_view key, int& field, std::optional<long long> nginx_minimum = 0) {
        const auto* v = take(key);
        if (!v) return;
        const auto n = v->value.empty() ? std::optional<long long>(0) : parseGoIntAnyBase(v->value);
        if (!n || *n < INT32_MIN || *n > INT32_MAX) {
            ignored(key, *v, "not an integer", core::quoted(std::to_string(field)));
            return;
        }
        if (nginx_minimum && *n < *nginx_minimum) {
            refusedByNginx(key, *v, "nginx needs a number of at least " +
                                        std::to_string(*nginx_minimum));
            return;
        }
        field = static_cast<int>(*n);
    }

    void string(std::string_view key, std::string& field) {
        if (const auto* v = take(key)) field = v->value;
    }

    void list(std::string_view key, std::vector<std::string>& field) {
        if (const auto* v = take(key)) field = splitList(v->value);
    }

    // A comma list of header names as customheaders.ValidHeader wants them; each other entry
    // is a warning and left out.
    void headerNames(std::string_view key, std::vector<std::string>& field) {
        const auto* v = take(key);
        if (!v) return;
        for (const std::string& header : splitList(v->value)) {
            if (dialect::nginx::isHeaderName(header))
                field.push_back(header);
            else
                ignored(key, *v, core::quoted(header) + " is not a header name", "the valid ones");
        }
    }

    void cidrs(std::string_view key, std::vector<core::Cidr>& field) {
        const auto* v = take(key);
        if (!v) return;
        std::vector<core::Cidr> parsed;
        for (const std::string& item : splitList(v->value)) {
            auto cidr = core::Cidr::parse(item);
            if (!cidr) {
                refusedByNginx(key, *v, core::quoted(item) + " is not an address or CIDR range",
                               "write addresses like 10.0.0.0/8 or 2001:db8::/32, comma-separated");
                return;
            }
            parsed.push_back(*cidr);
        }
        field = std::move(parsed);
    }

    // Every key nothing above read: known and not simulated, or unknown.
    void reportTheRest() {
        const auto known = knownConfigMapKeys();
        for (const auto& [key, v] : data_) {
            if (read_.contains(key)) continue;
            if (std::binary_search(known.begin(), known.end(), key)) {
                out_.written[key] = v.value_location;
                if (!isSimulatedConfigMapKey(key))
                    say(d_.info("ILAB-CONFIG-004",
                                key + ": read by ingress-nginx, not simulated by the lab",
                                v.key_location));
                continue;
            }
            say(d_.warning("ILAB-CONFIG-001",
                           key + ": ingress-nginx v1.15 has no such ConfigMap key; it ignores it",
                           v.key_location,
                           core::didYouMean(key, {known.begin(), known.end()})));
        }
    }

    void say(core::Diagnostic& d) { d.object = object_; }

  private:
    const std::map<std::string, model::ConfigMapValue>& data_;
    std::string object_;
    core::Diagnostics& d_;
    NginxConfiguration& out_;
    std::set<std::string> read_;
};

void readTls(Reader& r, NginxConfiguration& c) {
    r.boolean("hsts", c.hsts.enabled);
    r.boolean("hsts-include-subdomains", c.hsts.include_subdomains);
    r.boolean("hsts-preload", c.hsts.preload);
    // A string in config.go, written into the header as it is: a browser ignores a header
    // whose max-age is not a number (RFC 6797 §6.1.1), which the lab says rather than sends.
    if (const auto* v = r.take("hsts-max-age")) {
        long long seconds = 0;
        const auto [end, ec] = std::from_chars(v->value.data(), v->value.data() + v->value.size(), seconds);
        if (ec != std::errc() || end != v->value.data() + v->value.size() || seconds < 0)
            r.ignored("hsts-max-age", *v,
                      "not a number of seconds (ingress-nginx sends it as written, and browsers "
                      "ignore such a header)",
                      "\"31536000\" in the lab");
        else
            c.hsts.max_age = seconds;
    }
    if (const auto* v = r.take("ssl-protocols")) {
        // nginx's ssl_protocols: SSLv2 SSLv3 TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; OpenSSL 3 here has
        // no SSLv2 or SSLv3, and a list with a gap enables the lowest contiguous range.
        std::optional<tls::TlsVersion> low, high;
        for (const std::string& word : core::split(v->value, ' ')) {
            // nginx knows SSLv2 and SSLv3, and OpenSSL 3 cannot speak them: no range to add.
            if (word.empty() || word == "SSLv2" || word == "SSLv3") continue;
            auto version = word == "TLSv1.0" ? std::nullopt : tls::parseTlsVersion(word);
            if (!version) {
                r.refusedByNginx("ssl-protocols", *v,
                                 core::quoted(word) + " is not a protocol nginx knows",
                                 "use TLSv1.2 and TLSv1.3, space-separated");
                low.reset();
                break;
            }
            if (!low || *version < *low) low = version;
            if (!high || *version > *high) high = version;
        }
        if (low) {
            c.tls.min_version = *low;
            c.tls.max_version = *high;
        }
    }
    if (const auto* v = r.take("ssl-ciphers")) {
        tls::TlsOptions trial = c.tls;
        trial.ciphers = v->value;
        std::string error;
        if (!v->value.empty() && tls::makeServerContext(trial, &error))
            c.tls.ciphers = v->value;
        else
            r.refusedByNginx("ssl-ciphers", *v,
                             v->value.empty() ? "an empty cipher list" : "OpenSSL refuses it: " + error);
    }
    r.boolean("ssl-redirect", c.ssl_redirect);
    r.boolean("force-ssl-redirect", c.force_ssl_redirect);
    if (const auto* v = r.take("no-tls-redirect-locations")) c.no_tls_redirect_locations = splitList(v->value);
    // Read by hand: 301, 302, 307 or 308, else a warning and the default.
    if (const auto* v = r.take("http-redirect-code")) {
        const auto code = dialect::nginx::parseGoInt(v->value);
        if (!code)
            r.ignored("http-redirect-code", *v, "not an HTTP code", "308");
        else if (*code != 301 && *code != 302 && *code != 307 && *code != 308)
            r.ignored("http-redirect-code", *v, "a redirect code is 301, 302, 307 or 308", "308");
        else
            c.http_redirect_code = static_cast<int>(*code);
    }
    r.boolean("relative-redirects", c.relative_redirects);
}

void readClientsAndUpstreams(Reader& r, NginxConfiguration& c) {
    r.boolean("use-forwarded-headers", c.use_forwarded_headers);
    r.string("forwarded-for-header", c.forwarded_for_header);
    r.boolean("compute-full-forwarded-for", c.compute_full_forwarded_for);
    r.boolean("enable-real-ip", c.enable_real_ip);
    r.cidrs("proxy-real-ip-cidr", c.proxy_real_ip_cidr);
    r.cidrs("block-cidrs", c.block_cidrs);
    r.list("block-user-agents", c.block_user_agents);
    r.list("block-referers", c.block_referers);

    // balancer.lua falls back to round_robin, with a warning, for a name it does not know.
    if (const auto* v = r.take("load-balance")) {
        if (v->value == "round_robin" || v->value == "ewma")
            c.load_balance = v->value;
        else
            r.ignored("load-balance", *v, "the balancers are round_robin and ewma",
                      "round_robin (balancer.lua)");
    }
    r.integer("proxy-connect-timeout", c.proxy_connect_timeout);
    r.integer("proxy-read-timeout", c.proxy_read_timeout);
    r.integer("proxy-send-timeout", c.proxy_send_timeout);
    if (const auto* v = r.take("proxy-body-size")) {
        if (auto bytes = dialect::nginx::parseNginxSize(v->value)) {
            c.proxy_body_size = *bytes;
            c.proxy_body_size_text = v->value;
        } else
            r.refusedByNginx("proxy-body-size", *v, "not an nginx size (client_max_body_size)",
                             "write a size like 8m, 512k or 0 (no limit)");
    }
    r.integer("client-header-timeout", c.client_header_timeout);
    r.integer("client-body-timeout", c.client_body_timeout);
    r.integer("keep-alive", c.keep_alive);
    r.integer("keep-alive-requests", c.keep_alive_requests);
    r.integer("upstream-keepalive-connections", c.upstream_keepalive_connections);
    r.integer("upstream-keepalive-timeout", c.upstream_keepalive_timeout);
    // limit_req_status and limit_conn_status take 400..599.
    for (auto [key, field] : {std::pair{"limit-req-status-code", &c.limit_req_status_code},
                              std::pair{"limit-conn-status-code", &c.limit_conn_status_code}}) {
        const int before = *field;
        r.integer(key, *field);
        if (*field < 400 || *field > 599) {
            const auto* v = r.take(key);
            r.refusedByNginx(key, *v, "nginx takes a status from 400 to 599");
            *field = before;
        }
    }
    // Read by hand: each item an integer (else a warning), then only 300..599 kept.
    if (const auto* v = r.take("custom-http-errors")) {
        for (const std::string& item : splitList(v->value)) {
            const auto code = dialect::nginx::parseGoInt(item);
            if (!code || *code < 300 || *code > 599)
                r.ignored("custom-http-errors", *v,
                          core::quoted(item) + " is not an HTTP code from 300 to 599",
                          "the other codes");
            else
                c.custom_http_errors.push_back(static_cast<int>(*code));
        }
    }
    r.boolean("server-tokens", c.server_tokens);
    r.headerNames("global-allowed-response-headers", c.allowed_response_headers);
    r.string("add-headers", c.add_headers);
    r.string("proxy-set-headers", c.proxy_set_headers);
}

void readAnnotationRules(Reader& r, NginxConfiguration& c) {
    r.boolean("allow-snippet-annotations", c.allow_snippet_annotations);
    r.list("annotation-value-word-blocklist", c.annotation_value_word_blocklist);
    r.boolean("strict-validate-path-type", c.strict_validate_path_type);
    r.boolean("allow-cross-namespace-resources", c.allow_cross_namespace_resources);
    // parser.StringRiskToRisk: case-insensitive, and anything else is Low.
    if (const auto* v = r.take("annotations-risk-level")) {
        using dialect::nginx::Risk;
        const std::string level = core::toLower(v->value);
        c.annotations_risk_level = level == "critical" ? Risk::Critical
                                   : level == "high"   ? Risk::High
                                   : level == "medium" ? Risk::Medium
                                                       : Risk::Low;
        if (level != "critical" && level != "high" && level != "medium" && level != "low")
            r.ignored("annotations-risk-level", *v, "the levels are Critical, High, Medium and Low",
                      "none of them: it reads an unknown level as Low, so every annotation above "
                      "Low is refused");
    }
}

void readGlobalAuth(Reader& r, GlobalAuth& g) {
    if (const auto* v = r.take("global-auth-url")) {
        if (dialect::nginx::isAbsoluteUrl(v->value))
            g.url = v->value;
        else
            r.ignored("global-auth-url", *v, "not an absolute URL (Global auth location denied)",
                      "no global authentication");
    }
    if (const auto* v = r.take("global-auth-method")) {
        static const std::set<std::string, std::less<>> kMethods = {
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"};
        if (v->value.empty() || kMethods.contains(v->value))
            g.method = v->value;
        else
            r.ignored("global-auth-method", *v, "not an HTTP method", "no method");
    }
    for (auto [key, field] : {std::pair{"global-auth-signin", &g.signin},
                              std::pair{"global-auth-request-redirect", &g.request_redirect},
                              std::pair{"global-auth-snippet", &g.snippet},
                              std::pair{"global-auth-cache-key", &g.cache_key}})
        r.string(key, *field);
    if (const auto* v = r.take("global-auth-signin-redirect-param"))
        g.signin_redirect_param = std::string(core::trim(v->value));
    r.headerNames("global-auth-response-headers", g.response_headers);
    r.list("global-auth-cache-duration", g.cache_duration);
    r.boolean("global-auth-always-set-cookie", g.always_set_cookie);
}

}  // namespace

NginxConfiguration readConfigMapData(const std::map<std::string, model::ConfigMapValue>& data,
                                     const std::string& object, core::Diagnostics& diagnostics) {
    NginxConfiguration c;
    Reader r(data, object, diagnostics, c);
    readTls(r, c);
    readClientsAndUpstreams(r, c);
    readAnnotationRules(r, c);
    readGlobalAuth(r, c.global_auth);
    r.reportTheRest();
    return c;
}

NginxConfiguration readConfiguration(const model::Manifests& manifests,
                                     std::string_view reference, core::Diagnostics& diagnostics) {
    const auto slash = reference.find('/');
    const std::string_view ns = slash == std::string_view::npos ? "default" : reference.substr(0, slash);
    const std::string_view name = slash == std::string_view::npos ? reference : reference.substr(slash + 1);
    NginxConfiguration c;
    if (const model::ConfigMap* config = manifests.findConfigMap(ns, name)) {
        c = readConfigMapData(config->data, "ConfigMap " + config->meta.qualifiedName(), diagnostics);
        c.config_map = config->meta.qualifiedName();
    } else if (reference != kDefaultConfigMap) {
        // Named on purpose and not there: ingress-nginx runs on its defaults, and says so.
        diagnostics.warning("ILAB-CONFIG-006",
                            "ConfigMap " + core::quoted(reference) +
                                " (--configmap) is not among the manifests: ingress-nginx runs "
                                "on its defaults",
                            {}, "add the ConfigMap, or name the one you have");
    }
    // What else may read a ConfigMap: add-headers, proxy-set-headers and the custom-headers
    // annotation. Any other is reported, so none is dropped without a word.
    std::set<std::string, std::less<>> read = {c.config_map, c.add_headers, c.proxy_set_headers};
    for (const auto& ingress : manifests.ingresses) {
        auto it = ingress.meta.annotations.find("nginx.ingress.kubernetes.io/custom-headers");
        if (it == ingress.meta.annotations.end()) continue;
        read.insert(it->second.find('/') == std::string::npos
                        ? ingress.meta.namespace_ + "/" + it->second
                        : it->second);
    }
    for (const auto& config : manifests.config_maps) {
        if (read.contains(config.meta.qualifiedName())) continue;
        auto& d = diagnostics.info(
            "ILAB-CONFIG-005",
            "ConfigMap " + core::quoted(config.meta.qualifiedName()) +
                " is not read: ingress-nginx reads its settings from " + core::quoted(reference) +
                " (--configmap)",
            config.meta.location);
        d.object = "ConfigMap " + config.meta.qualifiedName();
    }
    return c;
}

}  // namespace ilab::controllers::nginx
