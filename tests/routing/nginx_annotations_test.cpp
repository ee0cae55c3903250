// Static cases of ingress-nginx's annotations, from its docs and e2e tests (kubernetes/ingress-nginx:
// docs/user-guide/nginx-configuration/annotations.md, test/e2e/annotations/): canary (C01–C22),
// rewrite and regex (R01–R20), redirects (S01–S18), allow/deny (A01–A05), body size and missing backends (U01, U02,
// U10, U12), the default-backend annotation and aliases (M04, M06). Each test names its case.
#include "tests/support/fixtures.h"

namespace ilab::test {
namespace {

// ---------------------------------------------------------------------------------------------
// Canary: main Ingress "main" (host foo, Prefix /info → A), canary Ingress → B.

const std::string kMain = ingress("main", "foo", {{"Prefix", "/info", "a"}});

std::string canary(Annotations annotations, const std::string& host = "foo",
                   const std::string& type = "Prefix") {
    annotations["canary"] = "true";
    return ingress("canary", host, {{type, "/info", "b"}}, annotations);
}

std::string withBackends(const std::string& ingresses) {
    return ingresses + backends({"a", "b"});
}

routing::Decision info(const Lab& lab, const Headers& headers = {}) {
    return lab.get("http://foo/info", headers);
}

// Share of `draws` requests that went to the canary.
double canaryShare(const Lab& lab, int draws, std::uint64_t seed) {
    core::SeededRandom random(seed);
    int canaries = 0;
    for (int i = 0; i < draws; ++i) {
        const auto d = lab.send(request("GET", "http://foo/info"), random);
        EXPECT_EQ(d.action, routing::Action::Forward);
        if (d.canary) ++canaries;
    }
    return static_cast<double>(canaries) / draws;
}

TEST(NginxCanaryTest, WithoutTheHeaderTheMainBackendServes) {
    // C01
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"}})));
    const auto d = info(lab);
    EXPECT_THAT(d, Forwards("a"));
    EXPECT_FALSE(d.canary);
    EXPECT_EQ(d.ingress, "default/main");
}

TEST(NginxCanaryTest, CanaryWithoutAMainIngressIsNotFound) {
    // C02
    Lab lab(withBackends(canary({{"canary-by-header", "CanaryByHeader"}})));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "always"}}), Responds(404));
}

TEST(NginxCanaryTest, HeaderAlwaysAndNever) {
    // C03; the header name is matched case-insensitively.
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"}})));
    const auto always = info(lab, {{"canaryByHeader", "always"}});
    EXPECT_THAT(always, Forwards("b"));
    EXPECT_TRUE(always.canary);
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "never"}}), Forwards("a"));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "badheadervalue"}}), Forwards("a"));
}

TEST(NginxCanaryTest, HeaderValueReplacesAlwaysAndNever) {
    // C04
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"},
                                         {"canary-by-header-value", "DoCanary"}})));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "DoCanary"}}), Forwards("b"));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "always"}}), Forwards("a"));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "never"}}), Forwards("a"));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "otherheadervalue"}}), Forwards("a"));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "docanary"}}), Forwards("a"));  // case-sensitive
}

TEST(NginxCanaryTest, HeaderPatternSelectsTheCanary) {
    // C05
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"},
                                         {"canary-by-header-pattern", "^Do[A-Z][a-z]+y$"}})));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "DoCanary"}}), Forwards("b"));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "Docanary"}}), Forwards("a"));
}

TEST(NginxCanaryTest, HeaderValueWinsOverThePattern) {
    // C06
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"},
                                         {"canary-by-header-value", "DoCanary"},
                                         {"canary-by-header-pattern", "^Do[A-Z][a-z]+y$"}})));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "DoCananry"}}), Forwards("a"));
}

TEST(NginxCanaryTest, BrokenPatternSendsTheHeaderToTheMainBackend) {
    // C07: the regex error stops evaluation before the cookie is checked.
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"},
                                         {"canary-by-header-pattern", "[][**da?$&*"},
                                         {"canary-by-cookie", "CanaryByCookie"}})));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "DoCanary"}, {"Cookie", "CanaryByCookie=always"}}),
                Forwards("a"));
    // Without the header the cookie still decides.
    EXPECT_THAT(info(lab, {{"Cookie", "CanaryByCookie=always"}}), Forwards("b"));
}

TEST(NginxCanaryTest, UnmatchedHeaderValueFallsThroughToTheCookie) {
    // C08
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"},
                                         {"canary-by-header-value", "DoCanary"},
                                         {"canary-by-cookie", "CanaryByCookie"}})));
    EXPECT_THAT(
        info(lab, {{"CanaryByHeader", "otherheadervalue"}, {"Cookie", "CanaryByCookie=always"}}),
        Forwards("b"));
}

TEST(NginxCanaryTest, CookieAlwaysAndNever) {
    // C09: 50 requests each.
    Lab lab(withBackends(kMain + canary({{"canary-by-cookie", "Canary-By-Cookie"}})));
    for (int i = 0; i < 50; ++i) {
        ASSERT_THAT(info(lab, {{"Cookie", "Canary-By-Cookie=always"}}), Forwards("b"));
        ASSERT_THAT(info(lab, {{"Cookie", "Canary-By-Cookie=never"}}), Forwards("a"));
        ASSERT_THAT(info(lab, {{"Cookie", "other=1; Canary-By-Cookie=badcookievalue"}}),
                    Forwards("a"));
    }
}

TEST(NginxCanaryTest, WeightZeroHundredAndEqualToTotal) {
    // C10
    core::SeededRandom random(1);
    Lab zero(withBackends(kMain + canary({{"canary-weight", "0"}})));
    Lab hundred(withBackends(kMain + canary({{"canary-weight", "100"}})));
    Lab total(
        withBackends(kMain + canary({{"canary-weight", "1000"}, {"canary-weight-total", "1000"}})));
    for (int i = 0; i < 100; ++i) {
        ASSERT_THAT(zero.send(request("GET", "http://foo/info"), random), Forwards("a"));
        ASSERT_THAT(hundred.send(request("GET", "http://foo/info"), random), Forwards("b"));
        ASSERT_THAT(total.send(request("GET", "http://foo/info"), random), Forwards("b"));
    }
}

TEST(NginxCanaryTest, WeightSplitsTrafficWithinTolerance) {
    // C11: weight 50, and weight 100 of a total of 200; 2000 seeded draws each.
    Lab half(withBackends(kMain + canary({{"canary-weight", "50"}})));
    EXPECT_NEAR(canaryShare(half, 2000, 42), 0.5, 0.05);
    Lab of200(
        withBackends(kMain + canary({{"canary-weight", "100"}, {"canary-weight-total", "200"}})));
    EXPECT_NEAR(canaryShare(of200, 2000, 43), 0.5, 0.05);
    // The decision reports the configured split.
    const auto d = info(half);
    ASSERT_EQ(d.weights.size(), 2u);
    EXPECT_EQ(d.weights[0].service, "a");
    EXPECT_DOUBLE_EQ(d.weights[1].share, 0.5);
}

TEST(NginxCanaryTest, WeightedDrawsAreReproducibleWithTheSameSeed) {
    Lab lab(withBackends(kMain + canary({{"canary-weight", "30"}})));
    core::SeededRandom first(9), second(9);
    for (int i = 0; i < 200; ++i)
        ASSERT_EQ(lab.send(request("GET", "http://foo/info"), first).canary,
                  lab.send(request("GET", "http://foo/info"), second).canary);
}

TEST(NginxCanaryTest, WithoutARandomSourceTheWeightedSplitShowsTheMainBackend) {
    Lab lab(withBackends(kMain + canary({{"canary-weight", "30"}})));
    const auto d = info(lab);
    EXPECT_THAT(d, Forwards("a"));
    EXPECT_EQ(d.weights.size(), 2u);
}

TEST(NginxCanaryTest, ADecisionKeepsItsDrawAndAReplayedDrawDecidesAlike) {
    // The composer explains the live proxy's request by replaying the proxy's draw: weight 30
    // of 100 sends draws 1..30 to the canary, 31..100 to the main backend.
    Lab lab(withBackends(kMain + canary({{"canary-weight", "30"}})));
    core::SeededRandom random(5);
    for (int i = 0; i < 50; ++i) {
        const auto drawn = lab.send(request("GET", "http://foo/info"), random);
        ASSERT_TRUE(drawn.canary_draw.has_value());
        ASSERT_GE(*drawn.canary_draw, 1u);
        ASSERT_LE(*drawn.canary_draw, 100u);
        EXPECT_EQ(drawn.canary, *drawn.canary_draw <= 30);
        const auto replayed = lab.table().match(request("GET", "http://foo/info"), nullptr,
                                                {.canary_draw = drawn.canary_draw});
        EXPECT_EQ(replayed.canary, drawn.canary);
        EXPECT_EQ(replayed.canary_draw, drawn.canary_draw);
    }
    auto replay = [&](std::uint64_t draw) {
        return lab.table().match(request("GET", "http://foo/info"), nullptr, {.canary_draw = draw});
    };
    EXPECT_THAT(replay(30), Forwards("b"));
    EXPECT_THAT(replay(31), Forwards("a"));
    const auto canary_step = [](const routing::Decision& d) {
        for (const auto& s : d.trace)
            if (s.stage == "canary" && s.message.find("draw") != std::string::npos) return s.message;
        return std::string();
    };
    EXPECT_EQ(canary_step(replay(30)), "the proxy's weighted draw 30 <= 30 of 100: canary");
    EXPECT_EQ(canary_step(replay(31)), "the proxy's weighted draw 31 > 30 of 100");
    // A draw outside 1..total (another table's) is not replayed: the main backend, as without
    // a random source, and the decision says so.
    const auto stale = replay(101);
    EXPECT_THAT(stale, Forwards("a"));
    EXPECT_FALSE(stale.canary_draw.has_value());
    // Without a split there is no draw.
    EXPECT_FALSE(info(Lab(withBackends(kMain))).canary_draw.has_value());
}

TEST(NginxCanaryTest, CatchAllCanaryIsNotAServer) {
    // C12
    const std::string main = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: main
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: a, port: {number: 80}}}
)";
    const std::string canary_catch_all = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: canary
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: CanaryByHeader
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: b, port: {number: 80}}}
)";
    Lab lab(withBackends("---" + main + "---" + canary_catch_all));
    EXPECT_THAT(lab.get("http://anything/"), Forwards("a"));
    EXPECT_EQ(lab.table().catchAllIngress(), "default/main");
}

TEST(NginxCanaryTest, CanaryHostWithoutAMainServerIsNotFound) {
    // C13
    Lab lab(withBackends(ingress("main", "bar", {{"Prefix", "/info", "a"}}) +
                         canary({{"canary-by-header", "CanaryByHeader"}}, "foo")));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "always"}}), Responds(404));
    EXPECT_THAT(lab.get("http://bar/info", {{"CanaryByHeader", "always"}}), Forwards("a"));
}

TEST(NginxCanaryTest, ForcedRequestReachesTheCanaryUnderCookieAffinity) {
    // C14 (the part the decision core owns): the header forces the canary; the canary keeps the
    // sticky affinity behaviour by default.
    Lab lab(withBackends(ingress("main", "foo", {{"Prefix", "/info", "a"}},
                                 {{"affinity", "cookie"}, {"session-cookie-name", "aff"}}) +
                         canary({{"canary-by-header", "ForceCanary"},
                                 {"canary-by-header-value", "yes"},
                                 {"canary-weight", "1"}})));
    EXPECT_THAT(info(lab, {{"ForceCanary", "yes"}}), Forwards("b"));
    const auto& location = lab.table().findServer("foo")->locations.at(0);
    ASSERT_TRUE(location.canary);
    EXPECT_EQ(location.canary->policy.affinity_behavior, dialect::AffinityCanaryBehavior::Sticky);
    EXPECT_TRUE(location.policies->affinity.cookie);
}

TEST(NginxCanaryTest, LegacyAffinityBehaviourIsRead) {
    // C15
    Lab lab(withBackends(ingress("main", "foo", {{"Prefix", "/info", "a"}},
                                 {{"affinity", "cookie"}, {"session-cookie-name", "aff"}}) +
                         canary({{"canary-by-header", "ForceCanary"},
                                 {"canary-by-header-value", "yes"},
                                 {"canary-weight", "50"},
                                 {"affinity-canary-behavior", "legacy"}})));
    EXPECT_THAT(info(lab, {{"ForceCanary", "yes"}}), Forwards("b"));
    const auto& location = lab.table().findServer("foo")->locations.at(0);
    ASSERT_TRUE(location.canary);
    EXPECT_EQ(location.canary->policy.affinity_behavior, dialect::AffinityCanaryBehavior::Legacy);
    EXPECT_NEAR(canaryShare(lab, 2000, 5), 0.5, 0.05);
}

TEST(NginxCanaryTest, WeightTotalsOfAtMostHundredAreIgnored) {
    // C16: weight 5 of "10" is 5 %, not 50 %.
    Lab lab(withBackends(kMain + canary({{"canary-weight", "5"}, {"canary-weight-total", "10"}})));
    EXPECT_NEAR(canaryShare(lab, 10000, 16), 0.05, 0.01);
    EXPECT_TRUE(lab.hasFinding("ILAB-NGINX-011")) << lab.describeFindings();
}

TEST(NginxCanaryTest, NeverOnlyCountsWithoutAHeaderValue) {
    // C17
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"},
                                         {"canary-by-header-value", "yes"},
                                         {"canary-weight", "100"}})));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "never"}}), Forwards("b"));
}

TEST(NginxCanaryTest, CanaryAnnotationsWithoutCanaryTrueMakeAnOrdinaryIngress) {
    // C18: the "canary" competes as a primary; the older main keeps the path.
    Lab lab(withBackends(
        kMain + ingress("canary", "foo", {{"Prefix", "/info", "b"}}, {{"canary-weight", "100"}})));
    core::SeededRandom random(3);
    EXPECT_THAT(lab.send(request("GET", "http://foo/info"), random), Forwards("a"));
    EXPECT_TRUE(lab.hasFinding("ILAB-NGINX-007")) << lab.describeFindings();
    EXPECT_TRUE(lab.hasFinding("ILAB-ROUTE-001")) << lab.describeFindings();
}

TEST(NginxCanaryTest, MainWithoutEndpointsAnswers503EvenWithAlways) {
    // C19
    Lab lab(kMain + canary({{"canary-by-header", "CanaryByHeader"}}) + backend("a", 80, 0) +
            backend("b"));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "always"}}), Responds(503));
}

TEST(NginxCanaryTest, CanaryWithoutEndpointsLeavesTheMainBackend) {
    // C20
    Lab lab(kMain + canary({{"canary-by-header", "CanaryByHeader"}}) + backend("a") +
            backend("b", 80, 0));
    const auto d = info(lab, {{"CanaryByHeader", "always"}});
    EXPECT_THAT(d, Forwards("a"));
    EXPECT_FALSE(d.canary);
}

TEST(NginxCanaryTest, CanaryWithAnotherPathTypeIsNotMerged) {
    // C21
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"}}, "foo", "Exact")));
    EXPECT_THAT(info(lab, {{"CanaryByHeader", "always"}}), Forwards("a"));
    EXPECT_TRUE(lab.hasFinding("ILAB-ROUTE-002")) << lab.describeFindings();
}

TEST(NginxCanaryTest, CanaryKeepsTheMainLocationSettings) {
    // C22: the canary's rewrite-target and allow-list are ignored.
    Lab lab(withBackends(kMain + canary({{"canary-by-header", "CanaryByHeader"},
                                         {"rewrite-target", "/x"},
                                         {"whitelist-source-range", "10.0.0.0/8"}})));
    auto r = request("GET", "http://foo/info/page", {{"CanaryByHeader", "always"}});
    r.client_ip = "192.0.2.1";
    const auto d = lab.send(r);
    EXPECT_THAT(d, ForwardsWithPath("b", "/info/page"));
    EXPECT_FALSE(lab.table().findServer("foo")->regex_mode);
    EXPECT_TRUE(lab.hasFinding("ILAB-NGINX-008")) << lab.describeFindings();
}

// ---------------------------------------------------------------------------------------------
// Rewrite, regex, app-root, X-Forwarded-Prefix.

TEST(NginxRewriteTest, RewriteTargetReplacesTheWholeUri) {
    // R01
    Lab lab(ingress("r", "rewrite.bar.com", {{"Prefix", "/something", "s"}},
                    {{"rewrite-target", "/"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/something"), ForwardsWithPath("s", "/"));
}

TEST(NginxRewriteTest, LongerRegexLocationComesFirst) {
    // R02: both render as regexes; the longer plain path is tried first and not rewritten.
    Lab lab(ingress("acme", "h", {{"Prefix", "/.well-known/acme/challenge", "acme"}}) +
            ingress("root", "h", {{"Prefix", "/", "root"}}, {{"rewrite-target", "/new/backend"}}) +
            backends({"acme", "root"}));
    EXPECT_THAT(lab.get("http://h/.well-known/acme/challenge"),
                ForwardsWithPath("acme", "/.well-known/acme/challenge"));
    EXPECT_THAT(lab.get("http://h/other"), ForwardsWithPath("root", "/new/backend"));
}

TEST(NginxRewriteTest, PlainPathStaysUnrewrittenBesideARegex) {
    // R03
    Lab lab(ingress("plain", "h", {{"Prefix", "/foo", "plain"}}) +
            ingress("regex", "h", {{"ImplementationSpecific", "/foo.+", "regex"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/new/backend"}}) +
            backends({"plain", "regex"}));
    EXPECT_THAT(lab.get("http://h/foo"), ForwardsWithPath("plain", "/foo"));
    EXPECT_THAT(lab.get("http://h/foo/bar"), ForwardsWithPath("regex", "/new/backend"));
}

TEST(NginxRewriteTest, RegexFirstMatchBeatsTheLiteralPath) {
    // R04
    Lab lab(ingress("plain", "h", {{"Prefix", "/foo/bar/bar", "plain"}}) +
            ingress("regex", "h", {{"ImplementationSpecific", "/foo/bar/[a-z]{3}", "regex"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/new/backend"}}) +
            backends({"plain", "regex"}));
    EXPECT_THAT(lab.get("http://h/foo/bar/bar"), ForwardsWithPath("regex", "/new/backend"));
}

TEST(NginxRewriteTest, CaptureGroupInTheTarget) {
    // R05
    Lab lab(ingress("r", "h", {{"ImplementationSpecific", "/foo/bar/(.+)", "s"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/new/backend/$1"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/foo/bar/bar"), ForwardsWithPath("s", "/new/backend/bar"));
}

TEST(NginxRewriteTest, OptionalSlashAndTailCapture) {
    // R06
    Lab lab(ingress("r", "h", {{"ImplementationSpecific", "/something(/|$)(.*)", "s"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/$2"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/something"), ForwardsWithPath("s", "/"));
    EXPECT_THAT(lab.get("http://h/something/"), ForwardsWithPath("s", "/"));
    EXPECT_THAT(lab.get("http://h/something/new"), ForwardsWithPath("s", "/new"));
    EXPECT_THAT(lab.get("http://h/somethingelse"), Responds(404));
}

TEST(NginxRewriteTest, ApiPrefixStrip) {
    // R07 (rewrite-target alone switches regex mode on)
    Lab lab(ingress("r", "h", {{"ImplementationSpecific", "/api(/|$)(.*)", "s"}},
                    {{"rewrite-target", "/$2"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/api/users"), ForwardsWithPath("s", "/users"));
    EXPECT_THAT(lab.get("http://h/api/"), ForwardsWithPath("s", "/"));
    EXPECT_THAT(lab.get("http://h/api/v1/users/123"), ForwardsWithPath("s", "/v1/users/123"));
}

TEST(NginxRewriteTest, RewriteAppliesWithUseRegexFalse) {
    // R08
    Lab lab(ingress("r", "h", {{"Prefix", "/", "s"}},
                    {{"use-regex", "false"}, {"rewrite-target", "/rewritten"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/"), ForwardsWithPath("s", "/rewritten"));
}

TEST(NginxRewriteTest, ExactPathIsRewritten) {
    // R09
    Lab lab(ingress("r", "h", {{"Exact", "/original", "s"}}, {{"rewrite-target", "/rewritten"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/original"), ForwardsWithPath("s", "/rewritten"));
}

TEST(NginxRewriteTest, WholeUriIsReplacedAndTheQueryKept) {
    // R10
    Lab lab(ingress("r", "h", {{"Prefix", "/app", "s"}}, {{"rewrite-target", "/"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://h/app/deep/x?q=1"), ForwardsWithPath("s", "/?q=1"));
}

TEST(NginxRewriteTest, AppRootRedirectsOnlyTheRoot) {
    // R11, R12: the query is dropped; other URIs are served.
    Lab lab(ingress("r", "approot.bar.com", {{"Prefix", "/", "s"}}, {{"app-root", "/foo"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://approot.bar.com/"), Redirects(302, "http://approot.bar.com/foo"));
    EXPECT_THAT(lab.get("http://approot.bar.com/?foo=bar"),
                Redirects(302, "http://approot.bar.com/foo"));
    EXPECT_THAT(lab.get("http://approot.bar.com/?foo=bar&baz=qux"),
                Redirects(302, "http://approot.bar.com/foo"));
    EXPECT_THAT(lab.get("http://approot.bar.com/other"), Forwards("s"));
    EXPECT_THAT(lab.get("http://approot.bar.com/some/path/"), Forwards("s"));
}

TEST(NginxRewriteTest, XForwardedPrefixGoesWithARewrite) {
    // R13
    Lab lab(ingress("r", "h", {{"Prefix", "/", "s"}},
                    {{"x-forwarded-prefix", "/test/value"}, {"rewrite-target", "/foo"}}) +
            backend("s"));
    const auto d = lab.get("http://h/");
    EXPECT_THAT(d, ForwardsWithPath("s", "/foo"));
    EXPECT_EQ(upstreamHeader(d, "X-Forwarded-Prefix"), "/test/value");
}

TEST(NginxRewriteTest, EmptyXForwardedPrefixAddsNoHeader) {
    // R14
    Lab lab(ingress("r", "h", {{"Prefix", "/", "s"}},
                    {{"x-forwarded-prefix", ""}, {"rewrite-target", "/foo"}}) +
            backend("s"));
    EXPECT_EQ(upstreamHeader(lab.get("http://h/"), "X-Forwarded-Prefix"), "");
}

TEST(NginxRewriteTest, XForwardedPrefixWithoutRewriteAddsNoHeader) {
    // R15
    Lab lab(ingress("r", "h", {{"Prefix", "/", "s"}}, {{"x-forwarded-prefix", "/test/value"}}) +
            backend("s"));
    const auto d = lab.get("http://h/");
    EXPECT_THAT(d, ForwardsWithPath("s", "/"));
    EXPECT_EQ(upstreamHeader(d, "X-Forwarded-Prefix"), "");
}

TEST(NginxRewriteTest, PrefixPathsMatchElements) {
    // R16
    Lab lab(ingress("p", "h", {{"Prefix", "/aaa", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://h/aaa"), Forwards("s"));
    EXPECT_THAT(lab.get("http://h/aaaccc"), Responds(404));
    EXPECT_THAT(lab.get("http://h/aaa/cccc"), Forwards("s"));
    EXPECT_THAT(lab.get("http://h/aaa/"), Forwards("s"));
}

TEST(NginxRewriteTest, RegexIsNotAnchoredAtTheEnd) {
    // R17, R18
    Lab open(ingress("p", "h", {{"ImplementationSpecific", "/id/[0-9]+", "s"}},
                     {{"use-regex", "true"}}) +
             backend("s"));
    EXPECT_THAT(open.get("http://h/id/1"), Forwards("s"));
    EXPECT_THAT(open.get("http://h/id/aaa"), Responds(404));
    EXPECT_THAT(open.get("http://h/id/123a"), Forwards("s"));
    Lab closed(ingress("p", "h", {{"ImplementationSpecific", "/id/[0-9]+$", "s"}},
                       {{"use-regex", "true"}}) +
               backend("s"));
    EXPECT_THAT(closed.get("http://h/id/123a"), Responds(404));
}

TEST(NginxRewriteTest, RegexModeMakesExactPathsCaseInsensitivePrefixes) {
    // R19
    Lab lab(ingress("regex", "h", {{"ImplementationSpecific", "/other", "other"}},
                    {{"use-regex", "true"}}) +
            ingress("exact", "h", {{"Exact", "/exact", "ex"}}) + backends({"other", "ex"}));
    EXPECT_THAT(lab.get("http://h/exactly"), Forwards("ex"));
    EXPECT_THAT(lab.get("http://h/EXACT"), Forwards("ex"));
    const routing::Server* server = lab.table().findServer("h");
    ASSERT_NE(server, nullptr);
    EXPECT_THAT(server->regex_sources, ::testing::ElementsAre("default/regex"));
}

TEST(NginxRewriteTest, RegexPathAsExactIsLiteralWithoutRegexMode) {
    // R20: the lab has no admission webhook; an Exact regex-looking path is a literal path.
    Lab exact(ingress("e", "h", {{"Exact", "/foo/bar/[a-z]{3}", "s"}}) + backend("s"));
    EXPECT_THAT(exact.get("http://h/foo/bar/abc"), Responds(404));
    EXPECT_THAT(exact.get("http://h/foo/bar/[a-z]{3}"), Forwards("s"));
    Lab regex(ingress("r", "h", {{"ImplementationSpecific", "/foo/bar/[a-z]{3}", "s"}},
                      {{"use-regex", "true"}}) +
              backend("s"));
    EXPECT_THAT(regex.get("http://h/foo/bar/abc"), Forwards("s"));
}

// ---------------------------------------------------------------------------------------------
// SSL redirects and redirect annotations.

const std::string kTls = "  tls:\n  - hosts: [h.example]\n    secretName: h-tls\n";

TEST(NginxRedirectTest, ForceSslRedirectWithoutTls) {
    // S01
    Lab lab(ingress("f", "forcesslredirect.bar.com", {{"Prefix", "/", "s"}},
                    {{"force-ssl-redirect", "true"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://forcesslredirect.bar.com/"),
                Redirects(308, "https://forcesslredirect.bar.com"));
    EXPECT_THAT(lab.get("https://forcesslredirect.bar.com/"), Forwards("s"));
}

TEST(NginxRedirectTest, TlsHostRedirectsWithoutThePort) {
    // S02
    Lab lab(ingress("t", "h.example", {{"Prefix", "/", "s"}}, {}, kTls) + backend("s"));
    EXPECT_THAT(lab.get("http://h.example/"), Redirects(308, "https://h.example"));
    EXPECT_THAT(lab.get("http://h.example:8080/"), Redirects(308, "https://h.example"));
}

TEST(NginxRedirectTest, ForwardedHostNamesTheRedirect) {
    // S03
    routing::CompileOptions options;
    options.use_forwarded_headers = true;
    Lab lab(ingress("t", "h.example", {{"Prefix", "/", "s"}}, {}, kTls) + backend("s"), options);
    EXPECT_THAT(lab.get("http://h.example/", {{"X-Forwarded-Host", "example.com:80"}}),
                Redirects(308, "https://example.com"));
}

TEST(NginxRedirectTest, PreserveTrailingSlash) {
    // S04
    Lab lab(ingress("t", "h.example", {{"Prefix", "/", "s"}},
                    {{"ssl-redirect", "true"}, {"preserve-trailing-slash", "true"}}, kTls) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h.example/"), Redirects(308, "https://h.example/"));
}

TEST(NginxRedirectTest, SslRedirectNeedsATlsSection) {
    // S05
    Lab lab(ingress("t", "h.example", {{"Prefix", "/", "s"}}, {{"ssl-redirect", "true"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h.example/"), Forwards("s"));
}

TEST(NginxRedirectTest, SslRedirectFalseServesPlainHttp) {
    // S06
    Lab lab(ingress("t", "h.example", {{"Prefix", "/", "s"}}, {{"ssl-redirect", "false"}}, kTls) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h.example/"), Forwards("s"));
}

TEST(NginxRedirectTest, RedirectKeepsPathAndQuery) {
    // S07
    Lab lab(ingress("t", "h.example", {{"Prefix", "/", "s"}}, {}, kTls) + backend("s"));
    EXPECT_THAT(lab.get("http://h.example/path?key=value"),
                Redirects(308, "https://h.example/path?key=value"));
}

TEST(NginxRedirectTest, ForwardedProtoHttpsSkipsTheRedirect) {
    // S08
    routing::CompileOptions options;
    options.use_forwarded_headers = true;
    Lab lab(ingress("t", "h.example", {{"Prefix", "/", "s"}}, {}, kTls) + backend("s"), options);
    EXPECT_THAT(lab.get("http://h.example/some/path", {{"X-Forwarded-Proto", "https"}}),
                ForwardsWithPath("s", "/some/path"));
    // Without trusting forwarded headers the client's claim changes nothing.
    Lab untrusted(ingress("t", "h.example", {{"Prefix", "/", "s"}}, {}, kTls) + backend("s"));
    EXPECT_THAT(untrusted.get("http://h.example/some/path", {{"X-Forwarded-Proto", "https"}}),
                Redirects(308, "https://h.example/some/path"));
}

TEST(NginxRedirectTest, AcmeChallengeLocationIsNeverRedirected) {
    // S09
    Lab lab(ingress("solver", "h.example",
                    {{"Prefix", "/.well-known/acme-challenge/tok", "solver"}}, {}, kTls) +
            ingress("site", "h.example", {{"Prefix", "/", "s"}}) + backends({"solver", "s"}));
    EXPECT_THAT(lab.get("http://h.example/.well-known/acme-challenge/tok"), Forwards("solver"));
    EXPECT_THAT(lab.get("http://h.example/"), Redirects(308, "https://h.example"));
}

TEST(NginxRedirectTest, PermanentRedirectLocationIsExact) {
    // S10
    Lab lab(ingress("p", "h", {{"Prefix", "/something", "s"}},
                    {{"permanent-redirect", "http://redirect.example.com"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/something/else?x=1"),
                Redirects(301, "http://redirect.example.com"));
}

TEST(NginxRedirectTest, PermanentRedirectCode) {
    // S11, S12
    const auto lab = [](const std::string& code) {
        return Lab(ingress("p", "h", {{"Prefix", "/", "s"}},
                           {{"permanent-redirect", "http://redirect.example.com"},
                            {"permanent-redirect-code", code}}) +
                   backend("s"));
    };
    EXPECT_THAT(lab("302").get("http://h/"), Redirects(302, "http://redirect.example.com"));
    EXPECT_THAT(lab("200").get("http://h/"), Redirects(301, "http://redirect.example.com"));
    EXPECT_THAT(lab("309").get("http://h/"), Redirects(301, "http://redirect.example.com"));
    EXPECT_THAT(lab("308").get("http://h/"), Redirects(308, "http://redirect.example.com"));
}

TEST(NginxRedirectTest, TemporalRedirectWinsAndCapsItsCodeAt307) {
    // S13
    Lab lab(ingress("p", "h", {{"Prefix", "/", "s"}},
                    {{"temporal-redirect", "https://t.example"},
                     {"permanent-redirect", "https://p.example"},
                     {"temporal-redirect-code", "308"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/"), Redirects(302, "https://t.example"));
}

TEST(NginxRedirectTest, NginxVariableInARedirectDropsTheIngress) {
    // S14
    Lab lab(ingress("p", "h", {{"Prefix", "/", "s"}},
                    {{"permanent-redirect", "https://x.com$request_uri"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/anything"), Responds(404));
    EXPECT_TRUE(lab.hasFinding("ILAB-NGINX-004")) << lab.describeFindings();
}

TEST(NginxRedirectTest, AppRootRunsBeforeTheHttpsRedirect) {
    // S15
    Lab lab(ingress("a", "h", {{"Prefix", "/", "s"}},
                    {{"app-root", "/app"}, {"force-ssl-redirect", "true"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/"), Redirects(302, "http://h/app"));
    EXPECT_THAT(lab.get("http://h/x"), Redirects(308, "https://h/x"));
}

TEST(NginxRedirectTest, FromToWwwRedirectNamesThePort) {
    // S16
    Lab lab(ingress("w", "fromtowwwredirect.bar.com", {{"Prefix", "/", "s"}},
                    {{"from-to-www-redirect", "true"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://www.fromtowwwredirect.bar.com/foo"),
                Redirects(308, "http://fromtowwwredirect.bar.com:80/foo"));
    EXPECT_THAT(lab.get("http://fromtowwwredirect.bar.com/foo"), Forwards("s"));
}

TEST(NginxRedirectTest, FromToWwwOverHttpsDropsTheRootSlash) {
    // S17
    Lab lab(ingress("w", "x.example", {{"Prefix", "/", "s"}}, {{"from-to-www-redirect", "true"}},
                    "  tls:\n  - hosts: [x.example, www.x.example]\n    secretName: x-tls\n") +
            backend("s"));
    EXPECT_THAT(lab.get("https://www.x.example/"), Redirects(308, "https://x.example:443"));
    EXPECT_THAT(lab.get("https://x.example/"), Forwards("s"));
}

TEST(NginxRedirectTest, PermanentRedirectComesBeforeTheAllowList) {
    // S18
    Lab lab(ingress("p", "h", {{"Prefix", "/", "s"}},
                    {{"permanent-redirect", "https://elsewhere.example"},
                     {"whitelist-source-range", "10.0.0.0/8"}}) +
            backend("s"));
    auto r = request("GET", "http://h/");
    r.client_ip = "192.0.2.7";
    EXPECT_THAT(lab.send(r), Redirects(301, "https://elsewhere.example"));
}

// relative-redirects (ingress-nginx test/e2e/annotations/relativeredirects.go): nginx's
// absolute_redirect is on unless the annotation says "true", so a permanent-redirect written as
// a path leaves as <scheme>://<host><path>. Checked on nginx 1.22 with port_in_redirect off, as
// nginx.tmpl renders it: the listener's scheme, the Host header's name without its port, no
// query appended.

std::string relativeRedirect(const std::string& relative) {
    Annotations annotations = {{"permanent-redirect", "/new-location"}};
    if (!relative.empty()) annotations["relative-redirects"] = relative;
    return ingress("rr", "rr.foo.com", {{"Prefix", "/something", "s"}}, annotations) + backend("s");
}

TEST(NginxRedirectTest, RelativePermanentRedirectBecomesAbsoluteByDefault) {
    for (const std::string relative : {"", "false"}) {
        SCOPED_TRACE("relative-redirects " + relative);
        Lab lab(relativeRedirect(relative));
        EXPECT_THAT(lab.get("http://rr.foo.com/something"),
                    Redirects(301, "http://rr.foo.com/new-location"));
        EXPECT_THAT(lab.get("https://RR.foo.com.:8443/something?x=1"),
                    Redirects(301, "https://rr.foo.com/new-location"));
        // The connection's scheme, not the client's X-Forwarded-Proto.
        EXPECT_THAT(lab.get("http://rr.foo.com/something", {{"X-Forwarded-Proto", "https"}}),
                    Redirects(301, "http://rr.foo.com/new-location"));
    }
}

TEST(NginxRedirectTest, RelativeRedirectsTrueKeepsTheLocationAsWritten) {
    Lab lab(relativeRedirect("true"));
    EXPECT_THAT(lab.get("http://rr.foo.com/something"), Redirects(301, "/new-location"));
    EXPECT_FALSE(lab.hasFinding("ILAB-NGINX-009")) << lab.describeFindings();
}

TEST(NginxRedirectTest, AbsoluteRedirectTargetsAreNeverChanged) {
    Lab lab(ingress("p", "h", {{"Prefix", "/", "s"}},
                    {{"permanent-redirect", "https://elsewhere.example/x"},
                     {"relative-redirects", "false"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/"), Redirects(301, "https://elsewhere.example/x"));
}

TEST(NginxRedirectTest, RelativeRedirectsAlsoActsOnTheRootLocationOfTheHost) {
    // The root location of a host carries the annotations of the Ingress that defined it first.
    Lab lab(ingress("p", "h", {{"Exact", "/only", "s"}}, {{"permanent-redirect", "/moved"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/elsewhere"), Redirects(301, "http://h/moved"));
}

// ---------------------------------------------------------------------------------------------
// A path written with a trailing slash. ingress-nginx renders a Prefix "/static/" as
// `location "/static/"` and `location = "/static/"` (updateServerLocations,
// internal/ingress/controller/location.go), and every location proxy_passes, which turns on
// nginx's auto_redirect: "/static" is answered 301 to "/static/" (checked on nginx 1.22).

const std::string kStatic =
    ingress("static", "h", {{"Prefix", "/static/", "files"}, {"Prefix", "/", "web"}}) +
    backends({"files", "web"});

TEST(NginxTrailingSlashTest, PathWithoutTheSlashIsRedirectedToIt) {
    Lab lab(kStatic);
    const auto d = lab.get("http://h/static");
    EXPECT_THAT(d, Redirects(301, "http://h/static/"));
    EXPECT_EQ(d.ingress, "default/static");
    ASSERT_TRUE(d.rule);
    EXPECT_EQ(d.rule->path, "/static/");
    EXPECT_FALSE(d.reached_access_phase);  // before limit_req
    // With the slash, and below it, the rule serves.
    EXPECT_THAT(lab.get("http://h/static/"), ForwardsWithPath("files", "/static/"));
    EXPECT_THAT(lab.get("http://h/static/app.js"), Forwards("files"));
    // Only the exact path: another element, or another case, is not it.
    EXPECT_THAT(lab.get("http://h/stat"), Forwards("web"));
    EXPECT_THAT(lab.get("http://h/statics"), Forwards("web"));
    EXPECT_THAT(lab.get("http://h/Static"), Forwards("web"));
}

TEST(NginxTrailingSlashTest, AnyMethodKeepsTheQueryAndTheNormalisedPathCounts) {
    Lab lab(kStatic);
    for (const std::string method : {"GET", "HEAD", "POST", "DELETE", "OPTIONS"})
        EXPECT_THAT(lab.decide(method, "http://h/static"), Redirects(301, "http://h/static/"))
            << method;
    EXPECT_THAT(lab.get("http://h/static?a=1&b=2"), Redirects(301, "http://h/static/?a=1&b=2"));
    EXPECT_THAT(lab.get("http://h/static?"), Redirects(301, "http://h/static/"));
    EXPECT_THAT(lab.get("http://h//static"), Redirects(301, "http://h/static/"));
    EXPECT_THAT(lab.get("http://h/x/../stati%63"), Redirects(301, "http://h/static/"));
    // The Host header's name, lowercased, without port or trailing dot; the listener's scheme.
    EXPECT_THAT(lab.get("https://H.:8443/static"), Redirects(301, "https://h/static/"));
}

TEST(NginxTrailingSlashTest, RelativeRedirectsKeepsTheLocationRelative) {
    Lab lab(ingress("static", "h", {{"Prefix", "/static/", "files"}},
                    {{"relative-redirects", "true"}}) +
            backend("files"));
    EXPECT_THAT(lab.get("http://h/static?x=1"), Redirects(301, "/static/?x=1"));
}

TEST(NginxTrailingSlashTest, ComesAfterTheBodyLimitAndBeforeEverythingTheLocationDoes) {
    Lab lab(ingress("static", "h", {{"Prefix", "/static/", "files"}},
                    {{"proxy-body-size", "10"},
                     {"force-ssl-redirect", "true"},
                     {"permanent-redirect", "https://elsewhere.example"},
                     {"allowlist-source-range", "10.0.0.0/8"}}) +
            backend("files"));
    auto post = request("POST", "http://h/static");
    post.content_length = 11;
    EXPECT_THAT(lab.send(post), Responds(413));
    post.content_length = 10;
    EXPECT_THAT(lab.send(post), Redirects(301, "http://h/static/"));
    EXPECT_THAT(lab.get("http://h/static/"), Redirects(301, "https://elsewhere.example"));
}

TEST(NginxTrailingSlashTest, ARulePathWithoutTheSlashServesItself) {
    // Prefix "/static" renders `= "/static"`; ImplementationSpecific "/static" is a location of
    // exactly that name; an Exact "/static" is one too.
    for (const std::string type : {"Prefix", "ImplementationSpecific", "Exact"}) {
        SCOPED_TRACE(type);
        Lab lab(ingress("slash", "h", {{"Prefix", "/static/", "files"}}) +
                ingress("bare", "h", {{type, "/static", "web"}}) + backends({"files", "web"}));
        EXPECT_THAT(lab.get("http://h/static"), Forwards("web"));
    }
}

TEST(NginxTrailingSlashTest, ExactAndImplementationSpecificPathsWithASlashRedirectToo) {
    for (const std::string type : {"Exact", "ImplementationSpecific"}) {
        SCOPED_TRACE(type);
        Lab lab(ingress("slash", "h", {{type, "/static/", "files"}}) + backend("files"));
        EXPECT_THAT(lab.get("http://h/static"), Redirects(301, "http://h/static/"));
        EXPECT_THAT(lab.get("http://h/static/"), Forwards("files"));
    }
}

TEST(NginxTrailingSlashTest, RegexModeHasNoSuchRedirect) {
    Lab lab(ingress("slash", "h", {{"Prefix", "/static/", "files"}}, {{"use-regex", "true"}}) +
            backend("files"));
    EXPECT_THAT(lab.get("http://h/static"), Responds(404));
}

TEST(NginxTrailingSlashTest, TheTraceSaysWhy) {
    Lab lab(kStatic);
    const auto d = lab.get("http://h/static");
    std::string trace;
    for (const auto& step : d.trace)
        trace += step.stage + ": " + step.message + "\n";
    EXPECT_NE(trace.find("with a trailing slash: nginx answers 301 to add it"), std::string::npos)
        << trace;
}

// ---------------------------------------------------------------------------------------------
// Allow and deny lists.

routing::Decision from(const Lab& lab, const std::string& ip,
                       const std::string& url = "http://h/") {
    auto r = request("GET", url);
    r.client_ip = ip;
    return lab.send(r);
}

TEST(NginxAccessListTest, DenyListAnswers403) {
    // A01, with the client address of the connection.
    Lab lab(ingress("d", "h", {{"Prefix", "/", "s"}},
                    {{"denylist-source-range", "18.0.0.0/8, 56.0.0.1"}}) +
            backend("s"));
    EXPECT_THAT(from(lab, "18.0.0.1"), Responds(403));
    EXPECT_THAT(from(lab, "56.0.0.1"), Responds(403));
    EXPECT_THAT(from(lab, "56.0.0.2"), Forwards("s"));
}

TEST(NginxAccessListTest, DenyListWithForwardedFor) {
    // A01 as the e2e test sends it: X-Forwarded-For trusted with use-forwarded-headers.
    routing::CompileOptions options;
    options.use_forwarded_headers = true;
    Lab lab(ingress("d", "h", {{"Prefix", "/", "s"}},
                    {{"denylist-source-range", "18.0.0.0/8, 56.0.0.1"}}) +
                backend("s"),
            options);
    EXPECT_THAT(lab.get("http://h/", {{"X-Forwarded-For", "18.0.0.1"}}), Responds(403));
    EXPECT_THAT(lab.get("http://h/", {{"X-Forwarded-For", "56.0.0.1, 10.0.0.1"}}), Responds(403));
    EXPECT_THAT(lab.get("http://h/", {{"X-Forwarded-For", "56.0.0.2"}}), Forwards("s"));
}

TEST(NginxAccessListTest, DenyIsCheckedBeforeAllow) {
    // A02
    Lab lab(ingress("d", "h", {{"Prefix", "/", "s"}},
                    {{"denylist-source-range", "18.1.0.0/16, 56.0.0.0/8"},
                     {"allowlist-source-range", "18.0.0.0/8, 55.0.0.0/8"}}) +
            backend("s"));
    EXPECT_THAT(from(lab, "18.1.0.1"), Responds(403));
    EXPECT_THAT(from(lab, "10.10.10.10"), Responds(403));
    EXPECT_THAT(from(lab, "18.4.0.1"), Forwards("s"));
    EXPECT_THAT(from(lab, "55.55.55.55"), Forwards("s"));
}

TEST(NginxAccessListTest, AllowListDeniesEveryoneElse) {
    // A03
    Lab lab(ingress("a", "h", {{"Prefix", "/", "s"}},
                    {{"allowlist-source-range", "18.0.0.0/8, 56.0.0.0/8"}}) +
            backend("s"));
    EXPECT_THAT(from(lab, "18.2.3.4"), Forwards("s"));
    EXPECT_THAT(from(lab, "56.2.3.4"), Forwards("s"));
    EXPECT_THAT(from(lab, "57.0.0.1"), Responds(403));
    EXPECT_THAT(from(lab, "127.0.0.1"), Responds(403));
}

TEST(NginxAccessListTest, AllowListWithoutAValidAddressDeniesTheLocation) {
    // A04
    Lab lab(ingress("a", "h", {{"Prefix", "/", "s"}}, {{"whitelist-source-range", "not-an-ip"}}) +
            backend("s"));
    EXPECT_THAT(from(lab, "18.2.3.4"), Responds(503));
    EXPECT_TRUE(lab.hasFinding("ILAB-NGINX-003")) << lab.describeFindings();
}

TEST(NginxAccessListTest, NewNameWinsOverTheDeprecatedAlias) {
    // A05
    Lab lab(
        ingress("a", "h", {{"Prefix", "/", "s"}},
                {{"allowlist-source-range", "1.1.1.1"}, {"whitelist-source-range", "2.2.2.2"}}) +
        backend("s"));
    EXPECT_THAT(from(lab, "2.2.2.2"), Responds(403));
    EXPECT_THAT(from(lab, "1.1.1.1"), Forwards("s"));
}

// ---------------------------------------------------------------------------------------------
// Body size and unavailable backends.

routing::Decision post(const Lab& lab, std::uint64_t bytes) {
    auto r = request("POST", "http://h/upload");
    r.content_length = bytes;
    return lab.send(r);
}

TEST(NginxUpstreamTest, MissingServiceAnswers503) {
    // U01
    Lab lab(ingress("m", "h", {{"Prefix", "/", "missing"}}));
    const auto d = lab.get("http://h/");
    EXPECT_THAT(d, Responds(503));
    EXPECT_EQ(d.reason, "Service \"default/missing\" does not exist");
}

TEST(NginxUpstreamTest, ServiceWithoutReadyEndpointsAnswers503) {
    // U02
    Lab lab(ingress("m", "h", {{"Prefix", "/", "s"}}) + backend("s", 80, 0));
    EXPECT_THAT(lab.get("http://h/"), Responds(503));
}

TEST(NginxUpstreamTest, BodyOverProxyBodySizeAnswers413) {
    // U10
    Lab lab(ingress("b", "h", {{"Prefix", "/", "s"}}, {{"proxy-body-size", "1k"}}) + backend("s"));
    EXPECT_THAT(post(lab, 2048), Responds(413));
    EXPECT_THAT(post(lab, 500), Forwards("s"));
}

TEST(NginxUpstreamTest, DefaultBodyLimitIsOneMebibyte) {
    // U12
    Lab lab(ingress("b", "h", {{"Prefix", "/", "s"}}) + backend("s"));
    EXPECT_THAT(post(lab, 1024 * 1024 + 1), Responds(413));
    EXPECT_THAT(post(lab, 1024 * 1024), Forwards("s"));
}

TEST(NginxUpstreamTest, DefaultBackendAnnotationAnswersForAServiceWithoutEndpoints) {
    // M04
    Lab lab(ingress("default-backend", "default-backend", {{"Prefix", "/", "invalid"}},
                    {{"default-backend", "echo"}}) +
            backend("echo"));
    const auto d = lab.get("http://default-backend/alma/armud", {{"Accept", "text/html"}});
    EXPECT_THAT(d, ForwardsWithPath("echo", "/alma/armud"));
    EXPECT_EQ(upstreamHeader(d, "X-Code"), "503");
    EXPECT_EQ(upstreamHeader(d, "X-Format"), "text/html");
    EXPECT_EQ(upstreamHeader(d, "X-Namespace"), "default");
    EXPECT_EQ(upstreamHeader(d, "X-Ingress-Name"), "default-backend");
    EXPECT_EQ(upstreamHeader(d, "X-Service-Name"), "invalid");
    EXPECT_EQ(upstreamHeader(d, "X-Service-Port"), "80");
}

TEST(NginxUpstreamTest, DefaultBackendAnnotationStaysOutWhileTheServiceHasEndpoints) {
    Lab lab(ingress("d", "h", {{"Prefix", "/", "s"}}, {{"default-backend", "echo"}}) +
            backends({"s", "echo"}));
    const auto d = lab.get("http://h/");
    EXPECT_THAT(d, Forwards("s"));
    EXPECT_EQ(upstreamHeader(d, "X-Code"), "");
}

TEST(NginxUpstreamTest, ServerAliasAnswersForItsHost) {
    // M06
    Lab plain(ingress("a", "foo", {{"Prefix", "/", "s"}}) + backend("s"));
    EXPECT_THAT(plain.get("http://bar/"), Responds(404));
    Lab alias(ingress("a", "foo", {{"Prefix", "/", "s"}}, {{"server-alias", "bar"}}) +
              backend("s"));
    EXPECT_THAT(alias.get("http://bar/"), Forwards("s"));
    EXPECT_THAT(alias.get("http://foo/"), Forwards("s"));
}

}  // namespace
}  // namespace ilab::test
