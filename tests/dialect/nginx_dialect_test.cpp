#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/dialect/dialect.h"
#include "engine/dialect/nginx_annotations.h"

namespace ilab::dialect {
namespace {

using core::Diagnostic;
using core::Severity;

constexpr std::string_view kPrefix = "nginx.ingress.kubernetes.io/";
constexpr int kFirstAnnotationLine = 5;

// Annotations by short name ("canary"); a key containing '/' is used as written.
using Annotations = std::vector<std::pair<std::string, std::string>>;

model::Ingress makeIngress(const Annotations& annotations, bool with_locations = true) {
    model::Ingress ingress;
    auto file = std::make_shared<const std::string>("shop/ingress.yaml");
    ingress.meta.name = "web";
    ingress.meta.namespace_ = "shop";
    ingress.meta.location = {file, 1, 1};
    int line = kFirstAnnotationLine;
    for (const auto& [name, value] : annotations) {
        const std::string key =
            name.find('/') == std::string::npos ? std::string(kPrefix) + name : name;
        ingress.meta.annotations[key] = value;
        if (with_locations) ingress.meta.annotation_locations[key] = {file, line, 20};
        ++line;
    }
    return ingress;
}

// Does `message` name `key` itself (not a longer name that starts with it)?
bool mentions(const std::string& message, const std::string& key) {
    for (auto at = message.find(key); at != std::string::npos; at = message.find(key, at + 1)) {
        const std::size_t end = at + key.size();
        if (end == message.size() ||
            (message[end] != '-' && !std::isalnum(static_cast<unsigned char>(message[end]))))
            return true;
    }
    return false;
}

struct Translation {
    IngressPolicies policies;
    core::Diagnostics diagnostics;

    std::vector<Diagnostic> withCode(std::string_view code) const {
        std::vector<Diagnostic> out;
        for (const Diagnostic& d : diagnostics.items())
            if (d.code == code) out.push_back(d);
        return out;
    }
    // The single diagnostic with this code about this annotation (short name), or nullptr.
    const Diagnostic* find(std::string_view code, std::string_view annotation) const {
        const std::string key = std::string(kPrefix) + std::string(annotation);
        for (const Diagnostic& d : diagnostics.items())
            if (d.code == code && mentions(d.message, key)) return &d;
        return nullptr;
    }
    std::string dump() const {
        std::string out;
        for (const Diagnostic& d : diagnostics.items())
            out += core::formatDiagnostic(d) + "\n";
        return out;
    }
};

Translation translate(const Annotations& annotations, bool with_locations = true) {
    Translation t;
    t.policies =
        makeNginxDialect()->translate(makeIngress(annotations, with_locations), t.diagnostics);
    return t;
}

// --- Value syntax ----------------------------------------------------------------------------

TEST(NginxValueTest, BooleansAcceptExactlyGoStrconvSpellings) {
    for (const char* text : {"1", "t", "T", "TRUE", "true", "True"})
        EXPECT_EQ(nginx::parseGoBool(text), true) << text;
    for (const char* text : {"0", "f", "F", "FALSE", "false", "False"})
        EXPECT_EQ(nginx::parseGoBool(text), false) << text;
    for (const char* text : {"yes", "on", "tRUE", " true", "true ", "", "2"})
        EXPECT_EQ(nginx::parseGoBool(text), std::nullopt) << text;
}

TEST(NginxValueTest, IntegersMustBePlainWithoutUnitsOrSpaces) {
    EXPECT_EQ(nginx::parseGoInt("50"), 50);
    EXPECT_EQ(nginx::parseGoInt("+7"), 7);
    EXPECT_EQ(nginx::parseGoInt("-3"), -3);
    EXPECT_EQ(nginx::parseGoInt("9223372036854775807"), 9223372036854775807LL);
    EXPECT_EQ(nginx::parseGoInt("-9223372036854775808"), std::numeric_limits<long long>::min());
    for (const char* text :
         {"50s", "50k", " 5", "5 ", "5.0", "", "+", "0x10", "9223372036854775808"})
        EXPECT_EQ(nginx::parseGoInt(text), std::nullopt) << text;
}

TEST(NginxValueTest, SizesTakeOneBinaryUnitSuffix) {
    EXPECT_EQ(nginx::parseNginxSize("0"), 0u);
    EXPECT_EQ(nginx::parseNginxSize("1k"), 1024u);
    EXPECT_EQ(nginx::parseNginxSize("8m"), 8u * 1024 * 1024);
    EXPECT_EQ(nginx::parseNginxSize("2G"), 2ull * 1024 * 1024 * 1024);
    EXPECT_EQ(nginx::parseNginxSize("100"), 100u);
    for (const char* text : {"15r", "1b", "m", "1.5m", "1mb", "", "-1k"})
        EXPECT_EQ(nginx::parseNginxSize(text), std::nullopt) << text;
}

TEST(NginxValueTest, CorsOriginEntriesNeedASchemeButTheListValidatorDoesNot) {
    EXPECT_TRUE(nginx::isCorsOriginList("origin.cors.com:8080,https://origin2.cors.com"));
    EXPECT_FALSE(nginx::isCorsOriginList("*,foo.bar.com"));
    EXPECT_FALSE(nginx::isCorsOriginList("https://x.com/path"));
    EXPECT_TRUE(nginx::isCorsOrigin("https://origin.cors.com:8080"));
    EXPECT_TRUE(nginx::isCorsOrigin("http://*.origin.com:8080"));
    EXPECT_TRUE(nginx::isCorsOrigin("tauri://localhost:3000"));
    EXPECT_FALSE(nginx::isCorsOrigin("origin.cors.com:8080"));
    EXPECT_FALSE(nginx::isCorsOrigin("HTTPS://upper.case"));
    EXPECT_FALSE(nginx::isCorsOrigin("https://x.com:port"));
}

// --- Cross-cutting behaviour ----------------------------------------------------------------

TEST(NginxDialectTest, DescribesItself) {
    const auto dialect = makeNginxDialect();
    EXPECT_EQ(dialect->name(), "ingress-nginx");
    EXPECT_EQ(dialect->annotationPrefix(), kPrefix);
}

TEST(NginxDialectTest, IngressWithoutAnnotationsGetsDefaultsAndNoFindings) {
    const Translation t = translate({});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    EXPECT_TRUE(t.policies.redirect.ssl_redirect);
    EXPECT_EQ(t.policies.body_limit.max_bytes, 1024u * 1024u);
    EXPECT_EQ(t.policies.timeouts.read_seconds, 60);
    EXPECT_FALSE(t.policies.canary.enabled);
    EXPECT_FALSE(t.policies.forcesRegexMode("/"));
}

TEST(NginxDialectTest, AnnotationsOutsideThePrefixAreLeftToOthers) {
    const Translation t = translate({{"kubernetes.io/ingress.class", "nginx"},
                                     {"nginx.org/rewrites", "serviceName=x rewrite=/"},
                                     {"ingress.kubernetes.io/rewrite-target", "/"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_FALSE(t.policies.rewrite.target.has_value());
}

TEST(NginxDialectTest, InvalidBooleanKeepsTheDefaultAndPointsAtTheValue) {
    const Translation t = translate({{"ssl-redirect", "yes"}});
    EXPECT_TRUE(t.policies.redirect.ssl_redirect);
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    ASSERT_EQ(t.diagnostics.size(), 1u) << t.dump();
    const Diagnostic& d = t.diagnostics.items()[0];
    EXPECT_EQ(d.code, "ILAB-NGINX-002");
    EXPECT_EQ(d.severity, Severity::Warning);
    EXPECT_EQ(d.object, "Ingress shop/web");
    EXPECT_EQ(d.location.fileName(), "shop/ingress.yaml");
    EXPECT_EQ(d.location.line, kFirstAnnotationLine);
    EXPECT_EQ(d.location.column, 20);
    EXPECT_NE(d.message.find("\"yes\""), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("default: true"), std::string::npos) << d.message;
}

TEST(NginxDialectTest, FindingsFallBackToTheObjectLocation) {
    const Translation t = translate({{"ssl-redirect", "yes"}}, /*with_locations=*/false);
    ASSERT_EQ(t.diagnostics.size(), 1u);
    EXPECT_EQ(t.diagnostics.items()[0].location.line, 1);
}

TEST(NginxDialectTest, GoBooleanSpellingsAreHonoured) {
    const Translation t =
        translate({{"use-regex", "T"}, {"force-ssl-redirect", "1"}, {"ssl-redirect", "FALSE"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_TRUE(t.policies.rewrite.use_regex);
    EXPECT_TRUE(t.policies.redirect.force_ssl_redirect);
    EXPECT_FALSE(t.policies.redirect.ssl_redirect);
    EXPECT_TRUE(t.policies.forcesRegexMode("/"));
}

TEST(NginxDialectTest, WhitespaceOnlyValueCountsAsUnset) {
    const Translation t = translate({{"proxy-read-timeout", "   "}});
    EXPECT_EQ(t.policies.timeouts.read_seconds, 60);
    ASSERT_EQ(t.withCode("ILAB-NGINX-002").size(), 1u) << t.dump();
    EXPECT_NE(t.diagnostics.items()[0].message.find("empty"), std::string::npos);
}

TEST(NginxDialectTest, NewlineFailsValidationWithTheAnnotationsOwnConsequence) {
    const Translation ignored = translate({{"use-regex", "true\n"}});
    EXPECT_FALSE(ignored.policies.rewrite.use_regex);
    EXPECT_EQ(ignored.policies.disposition, Disposition::Active);
    ASSERT_NE(ignored.find("ILAB-NGINX-002", "use-regex"), nullptr) << ignored.dump();
    EXPECT_NE(ignored.diagnostics.items()[0].message.find("\\n"), std::string::npos);

    const Translation dropped = translate({{"limit-rps", "5\n"}});
    EXPECT_EQ(dropped.policies.disposition, Disposition::Dropped);
    EXPECT_NE(dropped.find("ILAB-NGINX-004", "limit-rps"), nullptr) << dropped.dump();
}

TEST(NginxDialectTest, UnknownAnnotationSuggestsTheClosestName) {
    const Translation t = translate({{"rewrite-taget", "/"}});
    ASSERT_EQ(t.diagnostics.size(), 1u) << t.dump();
    const Diagnostic& d = t.diagnostics.items()[0];
    EXPECT_EQ(d.code, "ILAB-NGINX-001");
    EXPECT_EQ(d.severity, Severity::Warning);
    EXPECT_EQ(d.hint, "did you mean nginx.ingress.kubernetes.io/rewrite-target?");
    EXPECT_NE(d.message.find("did you mean nginx.ingress.kubernetes.io/rewrite-target?"),
              std::string::npos);
    EXPECT_FALSE(t.policies.rewrite.target.has_value());
}

TEST(NginxDialectTest, UnknownAnnotationFarFromAnyNameGetsNoSuggestion) {
    const Translation t = translate({{"completely-made-up-setting", "1"}});
    ASSERT_EQ(t.diagnostics.size(), 1u);
    EXPECT_EQ(t.diagnostics.items()[0].code, "ILAB-NGINX-001");
    EXPECT_EQ(t.diagnostics.items()[0].message.find("did you mean"), std::string::npos);
}

TEST(NginxDialectTest, RemovedAnnotationNamesItsReplacement) {
    const Translation t = translate({{"secure-backends", "true"}});
    ASSERT_EQ(t.diagnostics.size(), 1u);
    EXPECT_EQ(t.diagnostics.items()[0].code, "ILAB-NGINX-001");
    EXPECT_NE(t.diagnostics.items()[0].hint.find("backend-protocol"), std::string::npos);
}

TEST(NginxDialectTest, KnownButUnsimulatedAnnotationsAreNotUnknown) {
    const Translation t = translate({{"proxy-buffer-size", "8k"},
                                     {"ssl-passthrough", "true"},
                                     {"auth-tls-secret", "shop/ca"},
                                     {"use-port-in-redirects", "true"},
                                     {"mirror-target", "https://test.env.com/$request_uri"}});
    EXPECT_TRUE(t.withCode("ILAB-NGINX-001").empty()) << t.dump();
    EXPECT_EQ(t.withCode("ILAB-NGINX-009").size(), 4u) << t.dump();
    const Diagnostic* mirror = t.find("ILAB-NGINX-010", "mirror-target");
    ASSERT_NE(mirror, nullptr) << t.dump();
    EXPECT_EQ(mirror->severity, Severity::Info);
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
}

TEST(NginxDialectTest, ProxyBufferingDecidesWhetherLimitRateApplies) {
    EXPECT_TRUE(translate({{"limit-rate", "10"}, {"proxy-buffering", "on"}})
                    .policies.rate_limit.bandwidthLimited());
    EXPECT_FALSE(translate({{"limit-rate", "10"}}).policies.rate_limit.bandwidthLimited());
    const Translation bad = translate({{"proxy-buffering", "maybe"}});
    EXPECT_FALSE(bad.policies.rate_limit.response_buffering);
    EXPECT_FALSE(bad.diagnostics.items().empty()) << bad.dump();
}

TEST(NginxDialectTest, HighRiskAnnotationIsAllowedWithAnInfo) {
    const Translation t = translate({{"server-alias", "a.example.com, b.example.com"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    EXPECT_EQ(t.policies.upstream.server_aliases,
              (std::vector<std::string>{"a.example.com", "b.example.com"}));
    const Diagnostic* d = t.find("ILAB-NGINX-010", "server-alias");
    ASSERT_NE(d, nullptr) << t.dump();
    EXPECT_NE(d->message.find("risk High"), std::string::npos);
}

TEST(NginxDialectTest, DroppedOutranksLocationDenied) {
    const Translation t = translate({{"denylist-source-range", "nonsense"}, {"limit-rps", "ten"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_NE(t.policies.disposition_reason.find("limit-rps"), std::string::npos);
    EXPECT_NE(t.find("ILAB-NGINX-003", "denylist-source-range"), nullptr) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-004", "limit-rps"), nullptr) << t.dump();
}

// --- Snippets and risk (M10) ----------------------------------------------------------------

TEST(NginxRiskTest, SnippetDropsTheWholeIngressWithoutEchoingIt) {
    const Translation t =
        translate({{"configuration-snippet", "more_set_headers \"Foo1: Bar1\";"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_NE(t.policies.disposition_reason.find("configuration-snippet"), std::string::npos);
    ASSERT_EQ(t.diagnostics.size(), 1u) << t.dump();
    const Diagnostic& d = t.diagnostics.items()[0];
    EXPECT_EQ(d.code, "ILAB-NGINX-006");
    EXPECT_EQ(d.severity, Severity::Error);
    EXPECT_NE(d.message.find("Critical"), std::string::npos);
    EXPECT_EQ(d.message.find("more_set_headers"), std::string::npos);
    EXPECT_EQ(d.hint.find("more_set_headers"), std::string::npos);
}

TEST(NginxRiskTest, EverySnippetAnnotationIsCritical) {
    for (const char* name : {"configuration-snippet", "server-snippet", "auth-snippet",
                             "stream-snippet", "modsecurity-snippet"}) {
        const Translation t = translate({{name, "return 200;"}});
        EXPECT_EQ(t.policies.disposition, Disposition::Dropped) << name;
        EXPECT_NE(t.find("ILAB-NGINX-006", name), nullptr) << name << "\n" << t.dump();
    }
}

TEST(NginxRiskTest, OnlySnippetsAreAboveTheDefaultRiskLevel) {
    for (const nginx::AnnotationSpec& spec : nginx::annotationTable()) {
        const bool snippet = spec.name.ends_with("-snippet");
        EXPECT_EQ(spec.risk > nginx::kMaxAllowedRisk, snippet) << spec.name;
    }
}

// --- Canary ---------------------------------------------------------------------------------

TEST(NginxCanaryTest, HeaderCookieAndWeightAreRead) {
    const Translation t = translate({{"canary", "true"},
                                     {"canary-by-header", "CanaryByHeader"},
                                     {"canary-by-header-value", "DoCanary"},
                                     {"canary-by-cookie", "CanaryByCookie"},
                                     {"canary-weight", "20"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const CanaryPolicy& c = t.policies.canary;
    EXPECT_TRUE(c.enabled);
    EXPECT_EQ(c.by_header, "CanaryByHeader");
    EXPECT_EQ(c.by_header_value, "DoCanary");
    EXPECT_EQ(c.by_cookie, "CanaryByCookie");
    EXPECT_EQ(c.weight, 20);
    EXPECT_EQ(c.effectiveWeightTotal(), 100);
    EXPECT_EQ(c.affinity_behavior, AffinityCanaryBehavior::Sticky);
}

TEST(NginxCanaryTest, HeaderValueDisablesThePattern) {
    const Translation t = translate({{"canary", "true"},
                                     {"canary-by-header", "X-Canary"},
                                     {"canary-by-header-value", "DoCanary"},
                                     {"canary-by-header-pattern", "^Do[A-Z][a-z]+y$"}});
    const CanaryPolicy& c = t.policies.canary;
    EXPECT_EQ(c.by_header_value, "DoCanary");
    EXPECT_FALSE(c.by_header_pattern.has_value());
    EXPECT_EQ(c.header_pattern, nullptr);
    EXPECT_FALSE(c.header_pattern_invalid);
    EXPECT_NE(t.find("ILAB-NGINX-011", "canary-by-header-pattern"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, PatternCompilesAsPcre) {
    const Translation t = translate({{"canary", "true"},
                                     {"canary-by-header", "X-Canary"},
                                     {"canary-by-header-pattern", "^Do[A-Z][a-z]+y$"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const CanaryPolicy& c = t.policies.canary;
    ASSERT_NE(c.header_pattern, nullptr);
    EXPECT_TRUE(c.header_pattern->matches("DoCanary"));
    EXPECT_FALSE(c.header_pattern->matches("Docanary"));
    EXPECT_EQ(c.by_header_pattern, "^Do[A-Z][a-z]+y$");
}

TEST(NginxCanaryTest, PatternThatDoesNotCompileIsFlagged) {
    const Translation t = translate({{"canary", "true"},
                                     {"canary-by-header", "X-Canary"},
                                     {"canary-by-header-pattern", "[][**da?$&*"},
                                     {"canary-by-cookie", "CanaryByCookie"}});
    const CanaryPolicy& c = t.policies.canary;
    EXPECT_TRUE(c.header_pattern_invalid);
    EXPECT_EQ(c.header_pattern, nullptr);
    EXPECT_EQ(c.by_header_pattern, "[][**da?$&*");
    EXPECT_EQ(c.by_cookie, "CanaryByCookie");
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    EXPECT_NE(t.find("ILAB-NGINX-002", "canary-by-header-pattern"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, WeightTotalUpToHundredIsTreatedAsHundred) {
    const Translation t =
        translate({{"canary", "true"}, {"canary-weight", "5"}, {"canary-weight-total", "10"}});
    EXPECT_EQ(t.policies.canary.weight, 5);
    EXPECT_EQ(t.policies.canary.weight_total, 10);
    EXPECT_EQ(t.policies.canary.effectiveWeightTotal(), 100);
    EXPECT_NE(t.find("ILAB-NGINX-011", "canary-weight-total"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, WeightTotalAboveHundredIsKept) {
    const Translation t =
        translate({{"canary", "true"}, {"canary-weight", "100"}, {"canary-weight-total", "200"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_EQ(t.policies.canary.effectiveWeightTotal(), 200);
}

TEST(NginxCanaryTest, WeightThatIsNotAnIntegerFallsBackToZero) {
    const Translation t = translate({{"canary", "true"}, {"canary-weight", "50%"}});
    EXPECT_EQ(t.policies.canary.weight, 0);
    EXPECT_TRUE(t.policies.canary.enabled);
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    EXPECT_NE(t.find("ILAB-NGINX-002", "canary-weight"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, CanaryOptionsWithoutCanaryAreDropped) {  // C18
    const Translation t = translate({{"canary-weight", "100"}, {"canary-by-header", "X"}});
    EXPECT_FALSE(t.policies.canary.enabled);
    EXPECT_EQ(t.policies.canary.weight, 0);
    EXPECT_FALSE(t.policies.canary.by_header.has_value());
    EXPECT_EQ(t.withCode("ILAB-NGINX-007").size(), 2u) << t.dump();
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
}

TEST(NginxCanaryTest, InvalidCanaryBooleanLeavesAnOrdinaryIngress) {
    const Translation t = translate({{"canary", "yes"}, {"canary-weight", "10"}});
    EXPECT_FALSE(t.policies.canary.enabled);
    EXPECT_NE(t.find("ILAB-NGINX-002", "canary"), nullptr) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-007", "canary-weight"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, HeaderValueWithoutHeaderHasNoEffect) {
    const Translation t = translate({{"canary", "true"}, {"canary-by-header-value", "yes"}});
    EXPECT_FALSE(t.policies.canary.by_header_value.has_value());
    EXPECT_NE(t.find("ILAB-NGINX-011", "canary-by-header-value"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, OtherAnnotationsOnACanaryAreIgnored) {  // C22
    const Translation t = translate({{"canary", "true"},
                                     {"canary-by-header", "X-Canary"},
                                     {"rewrite-target", "/x"},
                                     {"whitelist-source-range", "10.0.0.0/8"},
                                     {"proxy-read-timeout", "5"},
                                     {"load-balance", "ewma"},
                                     {"affinity", "cookie"},
                                     {"session-cookie-name", "aff"}});
    const IngressPolicies& p = t.policies;
    EXPECT_EQ(p.disposition, Disposition::Active);
    EXPECT_FALSE(p.rewrite.target.has_value());
    EXPECT_FALSE(p.forcesRegexMode("/"));
    EXPECT_FALSE(p.access.has_allow_list);
    EXPECT_TRUE(p.access.allow.empty());
    EXPECT_EQ(p.timeouts.read_seconds, 60);
    EXPECT_EQ(p.load_balance.algorithm, "ewma");
    EXPECT_TRUE(p.affinity.cookie);
    EXPECT_EQ(p.affinity.cookie_name, "aff");
    EXPECT_EQ(p.canary.by_header, "X-Canary");
    EXPECT_NE(t.find("ILAB-NGINX-008", "rewrite-target"), nullptr) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-008", "whitelist-source-range"), nullptr) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-008", "proxy-read-timeout"), nullptr) << t.dump();
    EXPECT_EQ(t.withCode("ILAB-NGINX-008").size(), 3u) << t.dump();
}

TEST(NginxCanaryTest, InvalidValueOfAnIgnoredAnnotationOnlyReportsItIsIgnored) {
    const Translation t = translate({{"canary", "true"}, {"whitelist-source-range", "bogus"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    EXPECT_TRUE(t.withCode("ILAB-NGINX-003").empty()) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-008", "whitelist-source-range"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, ValidationFailureStillDropsACanaryIngress) {
    const Translation t = translate({{"canary", "true"}, {"limit-rps", "ten"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_NE(t.find("ILAB-NGINX-004", "limit-rps"), nullptr) << t.dump();
    EXPECT_EQ(t.find("ILAB-NGINX-008", "limit-rps"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, SnippetStillDropsACanaryIngress) {
    const Translation t = translate({{"canary", "true"}, {"server-snippet", "listen 8080;"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_NE(t.find("ILAB-NGINX-006", "server-snippet"), nullptr) << t.dump();
}

TEST(NginxCanaryTest, LegacyAffinityBehaviourIsRead) {
    const Translation t = translate({{"canary", "true"}, {"affinity-canary-behavior", "legacy"}});
    EXPECT_EQ(t.policies.canary.affinity_behavior, AffinityCanaryBehavior::Legacy);
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
}

// --- Rewrite --------------------------------------------------------------------------------

TEST(NginxRewriteTest, CaptureGroupTargetIsKeptAndForcesRegexMode) {
    const Translation t = translate({{"rewrite-target", "/$2"}, {"x-forwarded-prefix", "/api"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_EQ(t.policies.rewrite.target, "/$2");
    EXPECT_EQ(t.policies.rewrite.x_forwarded_prefix, "/api");
    EXPECT_TRUE(t.policies.forcesRegexMode("/"));
}

TEST(NginxRewriteTest, TargetWithAQueryFailsValidationAndIsSkipped) {
    for (const char* target : {"/new?x=1", "/a&b", "/%20"}) {
        const Translation t = translate({{"rewrite-target", target}});
        EXPECT_FALSE(t.policies.rewrite.target.has_value()) << target;
        EXPECT_FALSE(t.policies.forcesRegexMode("/")) << target;
        EXPECT_EQ(t.policies.disposition, Disposition::Active) << target;
        EXPECT_NE(t.find("ILAB-NGINX-002", "rewrite-target"), nullptr) << t.dump();
    }
}

TEST(NginxRewriteTest, AppRootMustBeAnAbsolutePath) {
    EXPECT_EQ(translate({{"app-root", "/dashboard"}}).policies.rewrite.app_root, "/dashboard");
    const Translation url = translate({{"app-root", "http://example.com/app"}});
    EXPECT_FALSE(url.policies.rewrite.app_root.has_value());
    EXPECT_NE(url.find("ILAB-NGINX-002", "app-root"), nullptr) << url.dump();
}

// --- Redirects ------------------------------------------------------------------------------

TEST(NginxRedirectTest, PermanentRedirectDefaultsTo301) {  // S10
    const Translation t = translate({{"permanent-redirect", "http://redirect.example.com"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    ASSERT_TRUE(t.policies.redirect.permanent.has_value());
    EXPECT_EQ(t.policies.redirect.permanent->url, "http://redirect.example.com");
    EXPECT_EQ(t.policies.redirect.permanent->code, 301);
}

TEST(NginxRedirectTest, PermanentCodeInRangeIsUsed) {  // S11
    const Translation t = translate(
        {{"permanent-redirect", "https://p.example.com"}, {"permanent-redirect-code", "308"}});
    ASSERT_TRUE(t.policies.redirect.permanent.has_value());
    EXPECT_EQ(t.policies.redirect.permanent->code, 308);
}

TEST(NginxRedirectTest, PermanentCodeOutOfRangeFallsBackTo301) {  // S12
    for (const char* code : {"200", "309"}) {
        const Translation t = translate(
            {{"permanent-redirect", "https://p.example.com"}, {"permanent-redirect-code", code}});
        ASSERT_TRUE(t.policies.redirect.permanent.has_value()) << code;
        EXPECT_EQ(t.policies.redirect.permanent->code, 301) << code;
        EXPECT_EQ(t.policies.disposition, Disposition::Active);
        EXPECT_NE(t.find("ILAB-NGINX-002", "permanent-redirect-code"), nullptr) << t.dump();
    }
}

TEST(NginxRedirectTest, TemporalWinsAndItsCodeStopsAt307) {  // S13
    const Translation t = translate({{"temporal-redirect", "https://t.example.com"},
                                     {"permanent-redirect", "https://p.example.com"},
                                     {"temporal-redirect-code", "308"}});
    ASSERT_TRUE(t.policies.redirect.temporal.has_value());
    EXPECT_EQ(t.policies.redirect.temporal->url, "https://t.example.com");
    EXPECT_EQ(t.policies.redirect.temporal->code, 302);
    EXPECT_FALSE(t.policies.redirect.permanent.has_value());
    EXPECT_NE(t.find("ILAB-NGINX-002", "temporal-redirect-code"), nullptr) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-011", "permanent-redirect"), nullptr) << t.dump();
}

TEST(NginxRedirectTest, TemporalCodeInRangeIsUsed) {
    const Translation t = translate(
        {{"temporal-redirect", "https://t.example.com"}, {"temporal-redirect-code", "307"}});
    ASSERT_TRUE(t.policies.redirect.temporal.has_value());
    EXPECT_EQ(t.policies.redirect.temporal->code, 307);
}

TEST(NginxRedirectTest, NginxVariableInPermanentRedirectDropsTheIngress) {  // S14
    const Translation t = translate({{"permanent-redirect", "https://x.com$request_uri"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_FALSE(t.policies.redirect.permanent.has_value());
    const Diagnostic* d = t.find("ILAB-NGINX-004", "permanent-redirect");
    ASSERT_NE(d, nullptr) << t.dump();
    EXPECT_EQ(d->severity, Severity::Error);
    EXPECT_EQ(t.policies.disposition_reason, d->message);
}

TEST(NginxRedirectTest, RedirectCodeThatIsNotAnIntegerDropsTheIngress) {
    const Translation t = translate(
        {{"permanent-redirect", "https://p.example.com"}, {"permanent-redirect-code", "moved"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_NE(t.find("ILAB-NGINX-004", "permanent-redirect-code"), nullptr) << t.dump();
}

TEST(NginxRedirectTest, TemporalRedirectWithoutHttpSchemeSkipsTheRedirects) {
    const Translation t = translate(
        {{"temporal-redirect", "ftp://files.example.com"}, {"from-to-www-redirect", "true"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    EXPECT_FALSE(t.policies.redirect.temporal.has_value());
    EXPECT_FALSE(t.policies.redirect.from_to_www);
    EXPECT_NE(t.find("ILAB-NGINX-002", "temporal-redirect"), nullptr) << t.dump();
}

TEST(NginxRedirectTest, RelativeRedirectsIsRead) {
    // internal/ingress/annotations/redirect/redirect.go: a Low-risk boolean of the redirect
    // parser, which passes a validation error up (the Ingress is dropped).
    const Translation on = translate({{"relative-redirects", "true"}});
    EXPECT_TRUE(on.policies.redirect.relative);
    EXPECT_TRUE(on.diagnostics.empty()) << on.dump();
    EXPECT_FALSE(translate({}).policies.redirect.relative);
    EXPECT_FALSE(translate({{"relative-redirects", "false"}}).policies.redirect.relative);
    const Translation with_target =
        translate({{"permanent-redirect", "/new-location"}, {"relative-redirects", "1"}});
    EXPECT_TRUE(with_target.policies.redirect.relative);
    ASSERT_TRUE(with_target.policies.redirect.permanent.has_value());
    EXPECT_EQ(with_target.policies.redirect.permanent->url, "/new-location");
    const Translation bad = translate({{"relative-redirects", "yes"}});
    EXPECT_EQ(bad.policies.disposition, Disposition::Dropped);
    EXPECT_NE(bad.find("ILAB-NGINX-004", "relative-redirects"), nullptr) << bad.dump();
}

TEST(NginxRedirectTest, SkippedRedirectAnnotationsTakeRelativeRedirectsWithThem) {
    // The parser fails without a validation error: the whole redirect config is nil.
    const Translation t = translate(
        {{"temporal-redirect", "ftp://files.example.com"}, {"relative-redirects", "true"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    EXPECT_FALSE(t.policies.redirect.relative);
}

TEST(NginxRedirectTest, FromToWwwIsRead) {
    EXPECT_TRUE(translate({{"from-to-www-redirect", "true"}}).policies.redirect.from_to_www);
    EXPECT_EQ(translate({{"from-to-www-redirect", "yes"}}).policies.disposition,
              Disposition::Dropped);
}

// --- Source ranges (A01-A05) ----------------------------------------------------------------

TEST(NginxAccessTest, ListsTakeCidrsAndBareAddresses) {
    const Translation t =
        translate({{"denylist-source-range", "18.1.0.0/16, 56.0.0.1"},
                   {"allowlist-source-range", "18.0.0.0/8,55.0.0.0/8,2001:db8::/32"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const AccessPolicy& a = t.policies.access;
    EXPECT_TRUE(a.has_allow_list);
    ASSERT_EQ(a.allow.size(), 3u);
    EXPECT_EQ(a.allow[0].str(), "18.0.0.0/8");
    EXPECT_EQ(a.allow[2].str(), "2001:db8::/32");
    ASSERT_EQ(a.deny.size(), 2u);
    EXPECT_EQ(a.deny[1].str(), "56.0.0.1/32");
}

TEST(NginxAccessTest, InvalidEntriesAreSkippedWithAWarning) {
    const Translation t =
        translate({{"allowlist-source-range", "10.0.0.0/8, bogus, 300.1.1.1, 10.0.0.0/33"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
    ASSERT_EQ(t.policies.access.allow.size(), 1u);
    const Diagnostic* d = t.find("ILAB-NGINX-002", "allowlist-source-range");
    ASSERT_NE(d, nullptr) << t.dump();
    EXPECT_NE(d->message.find("\"bogus\""), std::string::npos) << d->message;
    EXPECT_NE(d->message.find("\"10.0.0.0/33\""), std::string::npos) << d->message;
}

TEST(NginxAccessTest, ListWithoutAnyValidEntryDeniesEveryLocation) {  // A04
    const Translation t = translate({{"whitelist-source-range", "not-an-ip"}});
    EXPECT_EQ(t.policies.disposition, Disposition::LocationDenied);
    EXPECT_NE(t.policies.disposition_reason.find("whitelist-source-range"), std::string::npos);
    EXPECT_FALSE(t.policies.access.has_allow_list);
    const Diagnostic* d = t.find("ILAB-NGINX-003", "whitelist-source-range");
    ASSERT_NE(d, nullptr) << t.dump();
    EXPECT_EQ(d->severity, Severity::Error);
    EXPECT_EQ(d->location.line, kFirstAnnotationLine);
}

TEST(NginxAccessTest, DeprecatedWhitelistStillApplies) {
    const Translation t = translate({{"whitelist-source-range", "10.0.0.0/8"}});
    EXPECT_TRUE(t.policies.access.has_allow_list);
    ASSERT_EQ(t.policies.access.allow.size(), 1u);
    const Diagnostic* d = t.find("ILAB-NGINX-005", "whitelist-source-range");
    ASSERT_NE(d, nullptr) << t.dump();
    EXPECT_NE(d->message.find("allowlist-source-range"), std::string::npos);
}

TEST(NginxAccessTest, NewNameWinsWhenBothAreSet) {  // A05
    const Translation t =
        translate({{"allowlist-source-range", "1.1.1.1"}, {"whitelist-source-range", "2.2.2.2"}});
    ASSERT_EQ(t.policies.access.allow.size(), 1u);
    EXPECT_EQ(t.policies.access.allow[0].str(), "1.1.1.1/32");
    EXPECT_NE(t.find("ILAB-NGINX-005", "whitelist-source-range"), nullptr) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-011", "whitelist-source-range"), nullptr) << t.dump();
}

// --- Rate limits ----------------------------------------------------------------------------

TEST(NginxRateLimitTest, LimitsAndAllowlistAreRead) {
    const Translation t = translate({{"limit-rps", "10"},
                                     {"limit-burst-multiplier", "3"},
                                     {"limit-connections", "8"},
                                     {"limit-rate", "100"},
                                     {"limit-allowlist", "10.0.0.0/8, 192.168.0.1"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const RateLimitPolicy& r = t.policies.rate_limit;
    EXPECT_EQ(r.rps, 10);
    EXPECT_EQ(r.burst_multiplier, 3);
    EXPECT_EQ(r.connections, 8);
    EXPECT_EQ(r.rate_kbytes, 100);
    EXPECT_EQ(r.allowlist.size(), 2u);
    EXPECT_TRUE(r.active());
}

TEST(NginxRateLimitTest, LimitThatIsNotAnIntegerDropsTheIngress) {
    const Translation t = translate({{"limit-rps", "ten"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_EQ(t.policies.rate_limit.rps, 0);
    EXPECT_NE(t.find("ILAB-NGINX-004", "limit-rps"), nullptr) << t.dump();
}

TEST(NginxRateLimitTest, InvalidAllowlistEntryDropsTheIngress) {
    const Translation t = translate({{"limit-allowlist", "10.0.0.0/8, nope"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_NE(t.find("ILAB-NGINX-004", "limit-allowlist"), nullptr) << t.dump();
}

TEST(NginxRateLimitTest, DeprecatedLimitWhitelistLosesToLimitAllowlist) {
    const Translation t =
        translate({{"limit-allowlist", "10.0.0.0/8"}, {"limit-whitelist", "not-a-cidr"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Active) << t.dump();
    ASSERT_EQ(t.policies.rate_limit.allowlist.size(), 1u);
    EXPECT_NE(t.find("ILAB-NGINX-005", "limit-whitelist"), nullptr) << t.dump();
}

// --- Proxy settings (U05, U11) --------------------------------------------------------------

TEST(NginxProxyTest, TimeoutsWithUnitsAreIgnored) {  // U05
    const Translation t = translate({{"proxy-connect-timeout", "50k"},
                                     {"proxy-read-timeout", "20k"},
                                     {"proxy-send-timeout", "5s"}});
    EXPECT_EQ(t.policies.timeouts.connect_seconds, 5);
    EXPECT_EQ(t.policies.timeouts.read_seconds, 60);
    EXPECT_EQ(t.policies.timeouts.send_seconds, 60);
    EXPECT_EQ(t.withCode("ILAB-NGINX-002").size(), 3u) << t.dump();
    EXPECT_EQ(t.policies.disposition, Disposition::Active);
}

TEST(NginxProxyTest, TimeoutsInWholeSecondsApply) {
    const Translation t = translate({{"proxy-connect-timeout", "1"},
                                     {"proxy-read-timeout", "3600"},
                                     {"proxy-send-timeout", "30"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_EQ(t.policies.timeouts.connect_seconds, 1);
    EXPECT_EQ(t.policies.timeouts.read_seconds, 3600);
    EXPECT_EQ(t.policies.timeouts.send_seconds, 30);
}

TEST(NginxProxyTest, BodySizeUnderstandsUnitsAndZero) {  // U11
    const Translation eight = translate({{"proxy-body-size", "8m"}});
    EXPECT_EQ(eight.policies.body_limit.max_bytes, 8u * 1024 * 1024);
    EXPECT_EQ(eight.policies.body_limit.as_written, "8m");
    EXPECT_EQ(translate({{"proxy-body-size", "1k"}}).policies.body_limit.max_bytes, 1024u);
    EXPECT_EQ(translate({{"proxy-body-size", "0"}}).policies.body_limit.max_bytes, 0u);
}

TEST(NginxProxyTest, BodySizeWithAnUnknownUnitKeepsOneMegabyte) {  // U11
    const Translation t = translate({{"proxy-body-size", "15r"}});
    EXPECT_EQ(t.policies.body_limit.max_bytes, 1024u * 1024u);
    EXPECT_EQ(t.policies.body_limit.as_written, "1m");
    const Diagnostic* d = t.find("ILAB-NGINX-002", "proxy-body-size");
    ASSERT_NE(d, nullptr) << t.dump();
    EXPECT_NE(d->message.find("default: 1m"), std::string::npos) << d->message;
}

TEST(NginxProxyTest, RetrySettingsAreRead) {
    const Translation t = translate({{"proxy-next-upstream", "error timeout http_503"},
                                     {"proxy-next-upstream-tries", "5"},
                                     {"proxy-next-upstream-timeout", "10"},
                                     {"proxy-request-buffering", "off"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_EQ(t.policies.retry.conditions,
              (std::vector<std::string>{"error", "timeout", "http_503"}));
    EXPECT_EQ(t.policies.retry.tries, 5);
    EXPECT_EQ(t.policies.retry.timeout_seconds, 10);
    EXPECT_FALSE(t.policies.retry.request_buffering);
}

TEST(NginxProxyTest, UnknownRetryConditionKeepsTheDefault) {
    const Translation t = translate({{"proxy-next-upstream", "error http_418"}});
    EXPECT_EQ(t.policies.retry.conditions, (std::vector<std::string>{"error", "timeout"}));
    EXPECT_NE(t.find("ILAB-NGINX-002", "proxy-next-upstream"), nullptr) << t.dump();
}

// --- Upstream -------------------------------------------------------------------------------

TEST(NginxUpstreamTest, BackendProtocolIsCaseInsensitive) {  // M05
    EXPECT_EQ(translate({{"backend-protocol", "https"}}).policies.upstream.protocol,
              BackendProtocol::Https);
    EXPECT_EQ(translate({{"backend-protocol", "AUTO_HTTP"}}).policies.upstream.protocol,
              BackendProtocol::AutoHttp);
    EXPECT_EQ(translate({{"backend-protocol", "grpcs"}}).policies.upstream.protocol,
              BackendProtocol::Grpcs);
    const Translation bad = translate({{"backend-protocol", "h2c"}});
    EXPECT_EQ(bad.policies.upstream.protocol, BackendProtocol::Http);
    EXPECT_NE(bad.find("ILAB-NGINX-002", "backend-protocol"), nullptr) << bad.dump();
    EXPECT_EQ(backendProtocolName(BackendProtocol::Fcgi), "FCGI");
}

TEST(NginxUpstreamTest, VhostAndDefaultBackendAreRead) {
    const Translation t =
        translate({{"upstream-vhost", "internal.example.com"}, {"default-backend", "errors"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_EQ(t.policies.upstream.vhost, "internal.example.com");
    EXPECT_EQ(t.policies.upstream.default_backend, "errors");
    const Translation bad = translate({{"default-backend", "Error_Pages"}});
    EXPECT_FALSE(bad.policies.upstream.default_backend.has_value());
    EXPECT_NE(bad.find("ILAB-NGINX-002", "default-backend"), nullptr) << bad.dump();
}

TEST(NginxUpstreamTest, CustomHttpErrorsNeedAPlainList) {  // M01
    EXPECT_EQ(translate({{"custom-http-errors", "404,503"}}).policies.upstream.custom_http_errors,
              (std::vector<int>{404, 503}));
    // Validation ignores spaces but the parser does not trim them: nothing is applied.
    const Translation spaced = translate({{"custom-http-errors", "404, 503"}});
    EXPECT_TRUE(spaced.policies.upstream.custom_http_errors.empty());
    EXPECT_EQ(spaced.policies.disposition, Disposition::Active);
    EXPECT_NE(spaced.find("ILAB-NGINX-002", "custom-http-errors"), nullptr) << spaced.dump();
    const Translation success = translate({{"custom-http-errors", "200"}});
    EXPECT_EQ(success.policies.disposition, Disposition::Dropped);
}

TEST(NginxUpstreamTest, CustomHttpErrorsCanBeSwitchedOff) {
    const Translation t =
        translate({{"custom-http-errors", "404"}, {"enable-custom-http-errors", "false"}});
    EXPECT_TRUE(t.policies.upstream.custom_http_errors.empty());
    EXPECT_NE(t.find("ILAB-NGINX-011", "custom-http-errors"), nullptr) << t.dump();
}

// --- Balancing and affinity -----------------------------------------------------------------

TEST(NginxAffinityTest, CookieAffinityIsRead) {  // B05, B07
    const Translation t = translate({{"affinity", "cookie"},
                                     {"affinity-mode", "persistent"},
                                     {"session-cookie-name", "SERVERID"},
                                     {"session-cookie-samesite", "lax"},
                                     {"session-cookie-expires", "172800"},
                                     {"session-cookie-max-age", "259200"},
                                     {"session-cookie-secure", "true"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const AffinityPolicy& a = t.policies.affinity;
    EXPECT_TRUE(a.cookie);
    EXPECT_EQ(a.mode, "persistent");
    EXPECT_EQ(a.cookie_name, "SERVERID");
    EXPECT_EQ(a.cookie_samesite, "Lax");
    EXPECT_EQ(a.cookie_expires, 172800);
    EXPECT_EQ(a.cookie_max_age, 259200);
    EXPECT_TRUE(a.cookie_secure);
}

TEST(NginxAffinityTest, OnlyLowerCaseCookieAffinityExists) {
    const Translation t = translate({{"affinity", "Cookie"}, {"session-cookie-name", "aff"}});
    EXPECT_FALSE(t.policies.affinity.cookie);
    EXPECT_NE(t.find("ILAB-NGINX-002", "affinity"), nullptr) << t.dump();
    EXPECT_NE(t.find("ILAB-NGINX-011", "session-cookie-name"), nullptr) << t.dump();
}

TEST(NginxAffinityTest, LoadBalanceAndHashingAreRead) {  // B02, B03
    const Translation t = translate({{"load-balance", "ewma"},
                                     {"upstream-hash-by", "$request_uri"},
                                     {"upstream-hash-by-subset", "true"},
                                     {"upstream-hash-by-subset-size", "4"}});
    EXPECT_EQ(t.policies.load_balance.algorithm, "ewma");
    EXPECT_EQ(t.policies.load_balance.hash_by, "$request_uri");
    EXPECT_TRUE(t.policies.load_balance.hash_by_subset);
    EXPECT_EQ(t.policies.load_balance.hash_by_subset_size, 4);
    EXPECT_NE(t.find("ILAB-NGINX-010", "upstream-hash-by"), nullptr) << t.dump();
}

TEST(NginxAffinityTest, UnknownBalancerFallsBackToRoundRobin) {
    const Translation t = translate({{"load-balance", "least_conn"}});
    EXPECT_EQ(t.policies.load_balance.algorithm, "round_robin");
    EXPECT_NE(t.find("ILAB-NGINX-002", "load-balance"), nullptr) << t.dump();
}

// --- CORS (O01, O05, O08, O10) --------------------------------------------------------------

TEST(NginxCorsTest, EnablingCorsUsesTheDefaults) {  // O01
    const Translation t = translate({{"enable-cors", "true"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const CorsPolicy& c = t.policies.cors;
    EXPECT_TRUE(c.enabled);
    EXPECT_EQ(c.allow_origins, (std::vector<std::string>{"*"}));
    EXPECT_EQ(c.allow_methods, "GET, PUT, POST, DELETE, PATCH, OPTIONS");
    EXPECT_TRUE(c.allow_credentials);
    EXPECT_EQ(c.max_age, 1728000);
}

TEST(NginxCorsTest, OriginsWithoutASchemeAreSkipped) {  // O05
    const Translation t =
        translate({{"enable-cors", "true"},
                   {"cors-allow-origin",
                    "origin.cors.com:8080, https://origin2.cors.com, https://origin.com"}});
    EXPECT_EQ(t.policies.cors.allow_origins,
              (std::vector<std::string>{"https://origin2.cors.com", "https://origin.com"}));
    const Diagnostic* d = t.find("ILAB-NGINX-002", "cors-allow-origin");
    ASSERT_NE(d, nullptr) << t.dump();
    EXPECT_NE(d->message.find("\"origin.cors.com:8080\""), std::string::npos) << d->message;
}

TEST(NginxCorsTest, StarAnywhereOrBlankMeansEveryOrigin) {  // O08
    for (const char* value : {"*, foo.bar.com", "      ", "*", "https://a.com, *"}) {
        const Translation t = translate({{"enable-cors", "true"}, {"cors-allow-origin", value}});
        EXPECT_EQ(t.policies.cors.allow_origins, (std::vector<std::string>{"*"})) << value;
        EXPECT_EQ(t.policies.disposition, Disposition::Active);
    }
}

TEST(NginxCorsTest, EmptyEntriesAndTrailingCommasAreDropped) {  // O10
    const Translation t = translate(
        {{"enable-cors", "true"}, {"cors-allow-origin", "https://a.com,   ,https://b.com,"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    EXPECT_EQ(t.policies.cors.allow_origins,
              (std::vector<std::string>{"https://a.com", "https://b.com"}));
}

TEST(NginxCorsTest, WildcardSubdomainsAndCustomSchemesAreKept) {  // O06, O09
    const Translation t = translate(
        {{"cors-allow-origin", "http://*.origin.cors.com, tauri://localhost:3000, null"}});
    EXPECT_EQ(
        t.policies.cors.allow_origins,
        (std::vector<std::string>{"http://*.origin.cors.com", "tauri://localhost:3000", "null"}));
}

TEST(NginxCorsTest, OriginListFailingValidationFallsBackToStar) {
    const Translation t = translate({{"cors-allow-origin", "https://x.com/path"}});
    EXPECT_EQ(t.policies.cors.allow_origins, (std::vector<std::string>{"*"}));
    EXPECT_NE(t.find("ILAB-NGINX-002", "cors-allow-origin"), nullptr) << t.dump();
}

TEST(NginxCorsTest, OtherCorsSettingsAreRead) {  // O11
    const Translation t = translate({{"cors-allow-credentials", "false"},
                                     {"cors-allow-methods", "GET, POST"},
                                     {"cors-allow-headers", "X-Custom, Authorization"},
                                     {"cors-expose-headers", "*, X-Trace"},
                                     {"cors-max-age", "600"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const CorsPolicy& c = t.policies.cors;
    EXPECT_FALSE(c.allow_credentials);
    EXPECT_EQ(c.allow_methods, "GET, POST");
    EXPECT_EQ(c.allow_headers, "X-Custom, Authorization");
    EXPECT_EQ(c.expose_headers, "*, X-Trace");
    EXPECT_EQ(c.max_age, 600);
}

TEST(NginxCorsTest, InvalidMethodsKeepTheDefault) {
    const Translation t = translate({{"cors-allow-methods", "GET; DROP TABLE"}});
    EXPECT_EQ(t.policies.cors.allow_methods, "GET, PUT, POST, DELETE, PATCH, OPTIONS");
    EXPECT_NE(t.find("ILAB-NGINX-002", "cors-allow-methods"), nullptr) << t.dump();
}

// --- Authentication (X01, X07-X09, X13) -----------------------------------------------------

TEST(NginxAuthTest, BasicAuthWithoutSecretDeniesEveryLocation) {
    const Translation t = translate({{"auth-type", "basic"}});
    EXPECT_EQ(t.policies.disposition, Disposition::LocationDenied);
    EXPECT_NE(t.find("ILAB-NGINX-003", "auth-type"), nullptr) << t.dump();
}

TEST(NginxAuthTest, BasicAuthSettingsAreRead) {  // X02, X03
    const Translation t = translate({{"auth-type", "basic"},
                                     {"auth-secret", "shop/htpasswd"},
                                     {"auth-secret-type", "auth-map"},
                                     {"auth-realm", "test auth"}});
    EXPECT_TRUE(t.diagnostics.empty()) << t.dump();
    const AuthPolicy& a = t.policies.auth;
    EXPECT_EQ(a.type, "basic");
    EXPECT_EQ(a.secret, "shop/htpasswd");
    EXPECT_EQ(a.secret_type, "auth-map");
    EXPECT_EQ(a.realm, "test auth");
}

TEST(NginxAuthTest, UnknownAuthTypeDropsTheIngress) {
    const Translation t = translate({{"auth-type", "oauth"}, {"auth-secret", "s"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_TRUE(t.policies.auth.type.empty());
}

TEST(NginxAuthTest, AuthSecretWithoutAuthTypeHasNoEffect) {
    const Translation t = translate({{"auth-secret", "htpasswd"}});
    EXPECT_FALSE(t.policies.auth.secret.has_value());
    EXPECT_NE(t.find("ILAB-NGINX-011", "auth-secret"), nullptr) << t.dump();
}

TEST(NginxAuthTest, ExternalAuthSettingsAreRead) {  // X07, X08, X09
    const Translation t = translate({{"auth-url", "http://auth.shop.svc/basic-auth/user/pw"},
                                     {"auth-signin", "http://$host/auth/start"},
                                     {"auth-signin-redirect-param", "orig"},
                                     {"auth-response-headers", "Foo, X-User"},
                                     {"auth-method", "POST"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Active) << t.dump();
    const AuthPolicy& a = t.policies.auth;
    EXPECT_EQ(a.url, "http://auth.shop.svc/basic-auth/user/pw");
    EXPECT_EQ(a.signin, "http://$host/auth/start");
    EXPECT_EQ(a.signin_redirect_param, "orig");
    EXPECT_EQ(a.response_headers, (std::vector<std::string>{"Foo", "X-User"}));
    EXPECT_EQ(a.method, "POST");
    EXPECT_NE(t.find("ILAB-NGINX-010", "auth-url"), nullptr) << t.dump();
}

TEST(NginxAuthTest, InvalidAuthMethodDeniesEveryLocation) {  // X13
    const Translation t =
        translate({{"auth-url", "http://auth.shop.svc/"}, {"auth-method", "GET X"}});
    EXPECT_EQ(t.policies.disposition, Disposition::LocationDenied);
    EXPECT_NE(t.find("ILAB-NGINX-003", "auth-method"), nullptr) << t.dump();
}

TEST(NginxAuthTest, AuthUrlFailingValidationDropsTheIngress) {
    const Translation t = translate({{"auth-url", "http://auth.shop.svc/<script>"}});
    EXPECT_EQ(t.policies.disposition, Disposition::Dropped);
    EXPECT_FALSE(t.policies.auth.url.has_value());
    EXPECT_NE(t.find("ILAB-NGINX-004", "auth-url"), nullptr) << t.dump();
}

TEST(NginxAuthTest, AuthUrlWithoutSchemeOrHostDeniesEveryLocation) {
    const Translation t = translate({{"auth-url", "auth-service/verify"}});
    EXPECT_EQ(t.policies.disposition, Disposition::LocationDenied);
    EXPECT_NE(t.find("ILAB-NGINX-003", "auth-url"), nullptr) << t.dump();
}

// --- The table and its documentation --------------------------------------------------------

std::string readDoc() {
    std::ifstream in(std::string(ILAB_SOURCE_DIR) + "/docs/dialect-nginx.md");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

TEST(NginxAnnotationTableTest, NamesAreUniqueAndAliasesPointAtKnownNames) {
    std::vector<std::string_view> names;
    for (const nginx::AnnotationSpec& spec : nginx::annotationTable()) {
        names.push_back(spec.name);
        if (!spec.replaced_by.empty()) {
            EXPECT_NE(nginx::findAnnotation(spec.replaced_by), nullptr) << spec.name;
        }
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
    EXPECT_GT(names.size(), 120u);
}

TEST(NginxAnnotationTableTest, EveryAnnotationIsDocumented) {
    const std::string doc = readDoc();
    ASSERT_FALSE(doc.empty()) << "docs/dialect-nginx.md is missing";
    for (const nginx::AnnotationSpec& spec : nginx::annotationTable())
        EXPECT_NE(doc.find("`" + std::string(spec.name) + "`"), std::string::npos) << spec.name;
}

TEST(NginxAnnotationTableTest, EveryDiagnosticCodeIsDocumented) {
    const std::string doc = readDoc();
    for (int code = 1; code <= 12; ++code) {
        const std::string id =
            (code < 10 ? "ILAB-NGINX-00" : "ILAB-NGINX-0") + std::to_string(code);
        EXPECT_NE(doc.find(id), std::string::npos) << id;
    }
}

}  // namespace
}  // namespace ilab::dialect
