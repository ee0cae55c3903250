#include "engine/dialect/cors.h"

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/dialect/dialect.h"

namespace ilab::dialect {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

// The policy the ingress-nginx dialect reads from these annotations (short names), so each case
// runs the annotation text through the same parser the lab uses.
CorsPolicy corsFrom(std::vector<std::pair<std::string, std::string>> annotations) {
    model::Ingress ingress;
    ingress.meta.name = "web";
    ingress.meta.namespace_ = "shop";
    ingress.meta.annotations["nginx.ingress.kubernetes.io/enable-cors"] = "true";
    for (auto& [name, value] : annotations)
        ingress.meta.annotations["nginx.ingress.kubernetes.io/" + name] = std::move(value);
    core::Diagnostics diagnostics;
    return dialect::makeNginxDialect()->translate(ingress, diagnostics).cors;
}

std::string acao(const CorsOutcome& outcome) {
    for (const auto& [name, value] : outcome.headers)
        if (name == "Access-Control-Allow-Origin") return value;
    return "<none>";
}

// Origin as the e2e test sends it; GET unless said otherwise.
CorsOutcome get(const CorsPolicy& policy, std::optional<std::string_view> origin) {
    return evaluateCors(policy, origin, "GET");
}

TEST(CorsTest, DefaultsGiveEveryHeaderWithAStarOrigin) {  // O01
    const CorsOutcome out = get(corsFrom({}), std::nullopt);
    ASSERT_TRUE(out.applies);
    EXPECT_FALSE(out.preflight);
    EXPECT_THAT(
        out.headers,
        ElementsAre(Pair("Access-Control-Allow-Origin", "*"),
                    Pair("Access-Control-Allow-Credentials", "true"),
                    Pair("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE, PATCH, OPTIONS"),
                    Pair("Access-Control-Allow-Headers",
                         "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,"
                         "Cache-Control,Content-Type,Range,Authorization"),
                    Pair("Access-Control-Max-Age", "1728000")));
}

TEST(CorsTest, StarAllowsAnyOriginAndStillSendsCredentials) {  // O01, migration difference
    const CorsOutcome out = get(corsFrom({}), "https://anything.example");
    EXPECT_EQ(acao(out), "*");
    EXPECT_THAT(out.headers, Contains(Pair("Access-Control-Allow-Credentials", "true")));
}

TEST(CorsTest, AListedOriginIsEchoedAsSent) {  // O02
    const auto policy = corsFrom({{"cors-allow-origin", "https://origin.cors.com:8080"}});
    EXPECT_EQ(acao(get(policy, "https://origin.cors.com:8080")), "https://origin.cors.com:8080");
    // Case-insensitive match, but the echo keeps the client's spelling.
    EXPECT_EQ(acao(get(policy, "HTTPS://Origin.CORS.com:8080")), "HTTPS://Origin.CORS.com:8080");
}

TEST(CorsTest, AnOriginNotListedGetsNoCorsHeaders) {  // O03
    const auto policy =
        corsFrom({{"cors-allow-origin", "http://origin2.cors.com, https://origin.com"}});
    const CorsOutcome out = get(policy, "http://origin.cors.com:8080");
    EXPECT_FALSE(out.applies);
    EXPECT_THAT(out.headers, IsEmpty());
}

TEST(CorsTest, DotsInAnOriginAreLiteral) {  // O04
    const auto policy = corsFrom({{"cors-allow-origin", "https://foo.bar.com"}});
    EXPECT_FALSE(get(policy, "https://fooxbar.com").applies);
    EXPECT_TRUE(get(policy, "https://foo.bar.com").applies);
}

TEST(CorsTest, EntriesWithoutSchemeAreSkippedTheOthersMatch) {  // O05
    const auto policy =
        corsFrom({{"cors-allow-origin",
                   "origin.cors.com:8080, https://origin2.cors.com, https://origin.com"}});
    EXPECT_FALSE(get(policy, "origin.cors.com:8080").applies);
    EXPECT_EQ(acao(get(policy, "https://origin2.cors.com")), "https://origin2.cors.com");
    EXPECT_EQ(acao(get(policy, "https://origin.com")), "https://origin.com");
}

TEST(CorsTest, WildcardStandsForExactlyOneLabel) {  // O06
    const auto policy =
        corsFrom({{"cors-allow-origin", "http://*.origin.cors.com, http://*.origin.com:8080"}});
    EXPECT_EQ(acao(get(policy, "http://foo.origin.cors.com")), "http://foo.origin.cors.com");
    EXPECT_EQ(acao(get(policy, "http://bar-foo.origin.cors.com")),
              "http://bar-foo.origin.cors.com");
    EXPECT_FALSE(get(policy, "http://bar.foo.origin.cors.com").applies);
}

TEST(CorsTest, WildcardNeedsThePortAndALabel) {  // O07
    const auto policy =
        corsFrom({{"cors-allow-origin", "http://origin.cors.com:8080, http://*.origin.com:8080"}});
    EXPECT_EQ(acao(get(policy, "http://abc.origin.com:8080")), "http://abc.origin.com:8080");
    EXPECT_FALSE(get(policy, "http://abc.origin.com").applies);
    EXPECT_FALSE(get(policy, "http://origin.com:8080").applies);
}

TEST(CorsTest, StarAnywhereOrABlankListMeansStarEvenWithoutOrigin) {  // O08
    for (const char* value : {"*, foo.bar.com", "      "}) {
        const auto policy = corsFrom({{"cors-allow-origin", value}});
        EXPECT_EQ(acao(get(policy, "https://who.ever")), "*") << value;
        EXPECT_EQ(acao(get(policy, std::nullopt)), "*") << value;
    }
}

TEST(CorsTest, CustomSchemesMatch) {  // O09
    const auto policy =
        corsFrom({{"cors-allow-origin", "test://localhost, tauri://localhost:3000"}});
    EXPECT_EQ(acao(get(policy, "tauri://localhost:3000")), "tauri://localhost:3000");
}

TEST(CorsTest, TrailingCommasDoNotAllowEverything) {  // O10
    const auto policy = corsFrom({{"cors-allow-origin", "https://a.com,   ,https://b.com,"}});
    EXPECT_FALSE(get(policy, "https://unknown.com").applies);
    EXPECT_TRUE(get(policy, "https://a.com").applies);
    EXPECT_TRUE(get(policy, "https://b.com").applies);
}

TEST(CorsTest, CredentialsFalseDropsTheHeader) {  // O11
    const CorsOutcome out = get(corsFrom({{"cors-allow-credentials", "false"}}), std::nullopt);
    EXPECT_TRUE(out.applies);
    EXPECT_THAT(out.headers, Not(Contains(Pair("Access-Control-Allow-Credentials", ::testing::_))));
}

TEST(CorsTest, ExposeHeadersAndCustomValuesAreSent) {
    const CorsOutcome out = get(corsFrom({{"cors-expose-headers", "X-Total,X-Page"},
                                          {"cors-allow-methods", "GET,POST"},
                                          {"cors-max-age", "600"}}),
                                std::nullopt);
    EXPECT_THAT(out.headers, Contains(Pair("Access-Control-Expose-Headers", "X-Total,X-Page")));
    EXPECT_THAT(out.headers, Contains(Pair("Access-Control-Allow-Methods", "GET,POST")));
    EXPECT_THAT(out.headers, Contains(Pair("Access-Control-Max-Age", "600")));
}

TEST(CorsTest, OptionsFromAnAllowedOriginIsAPreflight) {  // O12
    const CorsOutcome out = evaluateCors(corsFrom({}), "https://a.com", "OPTIONS");
    EXPECT_TRUE(out.preflight);
    const CorsHeaders headers = corsPreflightHeaders(out);
    EXPECT_THAT(headers, Contains(Pair("Content-Type", "text/plain charset=UTF-8")));
    EXPECT_THAT(headers, Contains(Pair("Content-Length", "0")));
    EXPECT_THAT(headers, Contains(Pair("Access-Control-Allow-Origin", "*")));
}

TEST(CorsTest, OptionsFromADeniedOriginIsProxiedWithoutHeaders) {  // O13
    const auto policy = corsFrom({{"cors-allow-origin", "https://cors-allowed.example.com"}});
    const CorsOutcome out = evaluateCors(policy, "https://evil.example.com", "OPTIONS");
    EXPECT_FALSE(out.preflight);
    EXPECT_FALSE(out.applies);
}

TEST(CorsTest, TheOriginIsMatchedAtItsEndOnly) {
    // buildCorsOriginRegex anchors only the end: a longer Origin ending in an allowed one passes,
    // as it does in ingress-nginx.
    const auto policy = corsFrom({{"cors-allow-origin", "https://origin.com"}});
    EXPECT_TRUE(get(policy, "https://evil.comhttps://origin.com").applies);
    EXPECT_FALSE(get(policy, "https://origin.com.evil").applies);
    EXPECT_FALSE(get(policy, std::nullopt).applies);
}

TEST(CorsTest, DisabledCorsAddsNothing) {
    CorsPolicy policy;  // enabled = false
    EXPECT_FALSE(evaluateCors(policy, "https://a.com", "GET").applies);
    EXPECT_FALSE(evaluateCors(policy, "https://a.com", "OPTIONS").preflight);
}

}  // namespace
}  // namespace ilab::dialect
