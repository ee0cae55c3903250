// ingress-nginx's ConfigMap as v1.15 reads it (internal/ingress/controller/template/configmap.go
// and its test configmap_test.go; defaults from internal/ingress/controller/config/config.go).
#include "engine/controllers/nginx_configuration.h"

#include <string>

#include <gtest/gtest.h>

namespace ilab::controllers::nginx {
namespace {

struct Read {
    model::Manifests manifests;
    NginxConfiguration config;
    core::Diagnostics diagnostics;
};

// A ConfigMap ingress-nginx/ingress-nginx-controller with `data` (YAML lines, indented 2).
Read readData(const std::string& data, const std::string& extra = "") {
    Read r;
    r.manifests = model::loadManifestsFromText(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n"
        "  namespace: ingress-nginx\ndata:\n" + data + extra,
        "config.yaml");
    r.config = readConfiguration(r.manifests, kDefaultConfigMap, r.diagnostics);
    return r;
}

const core::Diagnostic* find(const core::Diagnostics& d, std::string_view code) {
    for (const auto& item : d.items())
        if (item.code == code) return &item;
    return nullptr;
}

TEST(NginxConfigurationTest, WithoutAConfigMapEverySettingIsIngressNginxsDefault) {
    core::Diagnostics diagnostics;
    const auto c = readConfiguration(model::Manifests{}, kDefaultConfigMap, diagnostics);
    EXPECT_EQ(c.config_map, "");
    EXPECT_TRUE(diagnostics.items().empty());
    EXPECT_FALSE(c.use_forwarded_headers);
    EXPECT_EQ(c.forwarded_for_header, "X-Forwarded-For");
    ASSERT_EQ(c.proxy_real_ip_cidr.size(), 1u);
    EXPECT_EQ(c.proxy_real_ip_cidr[0].str(), "0.0.0.0/0");
    EXPECT_TRUE(c.hsts.enabled);
    EXPECT_EQ(c.hsts.max_age, 31536000);
    EXPECT_TRUE(c.hsts.include_subdomains);
    EXPECT_FALSE(c.hsts.preload);
    EXPECT_EQ(c.tls.min_version, tls::TlsVersion::Tls1_2);
    EXPECT_EQ(c.tls.max_version, tls::TlsVersion::Tls1_3);
    EXPECT_TRUE(c.ssl_redirect);
    EXPECT_FALSE(c.force_ssl_redirect);
    EXPECT_EQ(c.no_tls_redirect_locations, std::vector<std::string>{"/.well-known/acme-challenge"});
    EXPECT_EQ(c.http_redirect_code, 308);
    EXPECT_FALSE(c.relative_redirects);
    EXPECT_EQ(c.load_balance, "round_robin");
    EXPECT_EQ(c.proxy_connect_timeout, 5);
    EXPECT_EQ(c.proxy_read_timeout, 60);
    EXPECT_EQ(c.proxy_body_size, 1024u * 1024u);
    EXPECT_EQ(c.keep_alive, 75);
    EXPECT_EQ(c.keep_alive_requests, 1000);
    EXPECT_EQ(c.upstream_keepalive_connections, 320);
    EXPECT_EQ(c.limit_req_status_code, 503);
    EXPECT_FALSE(c.server_tokens);
    EXPECT_FALSE(c.allow_snippet_annotations);
    EXPECT_EQ(c.annotations_risk_level, dialect::nginx::Risk::High);
    EXPECT_TRUE(c.strict_validate_path_type);
    EXPECT_EQ(c.global_auth.signin_redirect_param, "rd");
}

TEST(NginxConfigurationTest, ReadsTypedValuesAndRemembersWhereEachWasWritten) {
    const auto r = readData(
        "  use-forwarded-headers: \"true\"\n"
        "  hsts-max-age: \"600\"\n"
        "  hsts-preload: \"True\"\n"
        "  ssl-protocols: \"TLSv1.3\"\n"
        "  block-cidrs: \"10.0.0.0/8, 192.168.1.7\"\n"
        "  block-user-agents: \"~*curl,badbot\"\n"
        "  proxy-body-size: 8m\n"
        "  keep-alive: \"0x10\"\n"
        "  custom-http-errors: \"404,503\"\n"
        "  http-redirect-code: \"301\"\n"
        "  annotations-risk-level: critical\n");
    EXPECT_EQ(r.config.config_map, "ingress-nginx/ingress-nginx-controller");
    EXPECT_FALSE(r.diagnostics.hasErrors()) << r.diagnostics.items().front().message;
    EXPECT_TRUE(r.config.use_forwarded_headers);
    EXPECT_EQ(r.config.hsts.max_age, 600);
    EXPECT_TRUE(r.config.hsts.preload);
    EXPECT_EQ(r.config.tls.min_version, tls::TlsVersion::Tls1_3);
    ASSERT_EQ(r.config.block_cidrs.size(), 2u);
    EXPECT_EQ(r.config.block_cidrs[1].str(), "192.168.1.7/32");
    EXPECT_EQ(r.config.block_user_agents, (std::vector<std::string>{"~*curl", "badbot"}));
    EXPECT_EQ(r.config.proxy_body_size, 8u * 1024 * 1024);
    EXPECT_EQ(r.config.keep_alive, 16);  // strconv.ParseInt with base 0, as mapstructure calls it
    EXPECT_EQ(r.config.custom_http_errors, (std::vector<int>{404, 503}));
    EXPECT_EQ(r.config.http_redirect_code, 301);
    EXPECT_EQ(r.config.annotations_risk_level, dialect::nginx::Risk::Critical);
    ASSERT_TRUE(r.config.written.contains("proxy-body-size"));
    EXPECT_EQ(r.config.written.at("proxy-body-size").line, 13);
    EXPECT_EQ(r.config.written.at("proxy-body-size").column, 20);
}

TEST(NginxConfigurationTest, AnUnknownKeyIsAWarningWithDidYouMean) {
    const auto r = readData("  use-forwarded-header: \"true\"\n");
    const auto* d = find(r.diagnostics, "ILAB-CONFIG-001");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, core::Severity::Warning);
    EXPECT_EQ(d->location.line, 7);
    EXPECT_EQ(d->location.column, 3);
    EXPECT_NE(d->hint.find("use-forwarded-headers"), std::string::npos) << d->hint;
    EXPECT_FALSE(r.config.use_forwarded_headers);
}

TEST(NginxConfigurationTest, ABadBooleanIsIgnoredWithTheDefaultAndSaidAtItsValue) {
    // mapstructure's weak decoding: ParseBool's words, "" as false, anything else an error.
    const auto r = readData("  hsts: \"yes\"\n  ssl-redirect: \"\"\n");
    const auto* d = find(r.diagnostics, "ILAB-CONFIG-002");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, core::Severity::Error);
    EXPECT_EQ(d->location.line, 7);
    EXPECT_EQ(d->location.column, 9);
    EXPECT_NE(d->message.find("keeps \"true\""), std::string::npos) << d->message;
    EXPECT_TRUE(r.config.hsts.enabled);
    EXPECT_FALSE(r.config.ssl_redirect);
}

TEST(NginxConfigurationTest, AnUnquotedNumberIsRefusedAsTheApiServerDoes) {
    const auto r = readData("  keep-alive: 10\n");
    const auto* d = find(r.manifests.diagnostics, "ILAB-API-004");
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d->hint.find("quote the value"), std::string::npos);
}

TEST(NginxConfigurationTest, AValueNginxRefusesKeepsTheDefaultAndSaysNginxTFails) {
    const auto r = readData(
        "  proxy-body-size: 8mb\n"
        "  ssl-protocols: \"TLSv1.2 TLSv1.4\"\n"
        "  ssl-ciphers: \"NOT-A-CIPHER\"\n"
        "  block-cidrs: \"10.0.0.0/33\"\n"
        "  limit-req-status-code: \"200\"\n");
    int refused = 0;
    for (const auto& item : r.diagnostics.items())
        if (item.code == "ILAB-CONFIG-003") {
            ++refused;
            EXPECT_NE(item.message.find("nginx -t fails"), std::string::npos);
        }
    EXPECT_EQ(refused, 5);
    EXPECT_EQ(r.config.proxy_body_size, 1024u * 1024u);
    EXPECT_EQ(r.config.tls.min_version, tls::TlsVersion::Tls1_2);
    EXPECT_EQ(r.config.tls.ciphers, tls::kNginxDefaultCiphers);
    EXPECT_TRUE(r.config.block_cidrs.empty());
    EXPECT_EQ(r.config.limit_req_status_code, 503);
}

TEST(NginxConfigurationTest, KeysReadByHandFollowTheirOwnRules) {
    // http-redirect-code: 301, 302, 307 or 308; custom-http-errors keeps the valid codes;
    // load-balance falls back to round_robin; an unknown risk level reads as Low.
    const auto r = readData(
        "  http-redirect-code: \"303\"\n"
        "  custom-http-errors: \"404,abc,200,503\"\n"
        "  load-balance: \"least_conn\"\n"
        "  annotations-risk-level: \"Severe\"\n");
    EXPECT_EQ(r.config.http_redirect_code, 308);
    EXPECT_EQ(r.config.custom_http_errors, (std::vector<int>{404, 503}));
    EXPECT_EQ(r.config.load_balance, "round_robin");
    EXPECT_EQ(r.config.annotations_risk_level, dialect::nginx::Risk::Low);
    int ignored = 0;
    for (const auto& item : r.diagnostics.items()) ignored += item.code == "ILAB-CONFIG-002";
    EXPECT_EQ(ignored, 5);
}

TEST(NginxConfigurationTest, AKnownKeyTheLabDoesNotSimulateIsSaidOnce) {
    const auto r = readData("  use-gzip: \"true\"\n");
    const auto* d = find(r.diagnostics, "ILAB-CONFIG-004");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->severity, core::Severity::Info);
    EXPECT_EQ(find(r.diagnostics, "ILAB-CONFIG-001"), nullptr);
}

TEST(NginxConfigurationTest, AConfigMapNothingReadsIsReported) {
    const auto r = readData("  hsts: \"false\"\n  add-headers: ingress-nginx/extra\n",
                            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"
                            "data: {a: b}\n---\napiVersion: v1\nkind: ConfigMap\n"
                            "metadata: {name: extra, namespace: ingress-nginx}\ndata: {X-A: b}\n");
    EXPECT_FALSE(r.config.hsts.enabled);
    int unread = 0;
    for (const auto& item : r.diagnostics.items())
        if (item.code == "ILAB-CONFIG-005") {
            ++unread;
            EXPECT_NE(item.message.find("default/other"), std::string::npos) << item.message;
        }
    EXPECT_EQ(unread, 1);  // add-headers reads "extra"
}

TEST(NginxConfigurationTest, TheKeyListIsSortedAndHoldsEveryKeyTheLabSimulates) {
    const auto keys = knownConfigMapKeys();
    EXPECT_GT(keys.size(), 180u);
    for (std::string_view key : {"hsts", "block-cidrs", "relative-redirects", "proxy-body-size"}) {
        EXPECT_TRUE(std::binary_search(keys.begin(), keys.end(), key)) << key;
        EXPECT_TRUE(isSimulatedConfigMapKey(key)) << key;
    }
    EXPECT_FALSE(isSimulatedConfigMapKey("use-gzip"));
}

}  // namespace
}  // namespace ilab::controllers::nginx
