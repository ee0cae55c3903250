// Cases derived from the same rules as conformance.md and nginx-annotations.md but not listed
// there: host selection edge cases, regex mode boundaries, canaries in odd places, request
// normalisation, Service ports and namespaces, redirect and body-limit ordering.
#include "tests/support/fixtures.h"

namespace ilab::test {
namespace {

// ---------------------------------------------------------------------------------------------
// Hosts.

TEST(DerivedHostTest, PreciseHostWinsOverWildcardWithoutFallingBackOnAPathMiss) {
    // §1.2 precedence + §3 A2: the precise server owns foo.bar.com even where only the wildcard
    // has a matching path.
    Lab lab(ingress("precise", "foo.bar.com", {{"Prefix", "/a", "precise"}}) +
            ingress("wild", "*.bar.com", {{"Prefix", "/b", "wild"}}) +
            backends({"precise", "wild"}));
    EXPECT_THAT(lab.get("http://foo.bar.com/a"), Forwards("precise"));
    EXPECT_THAT(lab.get("http://foo.bar.com/b"), Responds(404));
    EXPECT_THAT(lab.get("http://baz.bar.com/b"), Forwards("wild"));
    EXPECT_THAT(lab.get("http://baz.bar.com/a"), Responds(404));
}

TEST(DerivedHostTest, WildcardHostDoesNotFallBackToHostLessRules) {
    // §3 A2 for a wildcard server.
    Lab lab(ingress("wild", "*.bar.com", {{"Prefix", "/b", "wild"}}) +
            ingress("any", "", {{"Prefix", "/", "any"}}) + backends({"wild", "any"}));
    EXPECT_THAT(lab.get("http://x.bar.com/other"), Responds(404));
    EXPECT_THAT(lab.get("http://x.other.com/other"), Forwards("any"));
}

TEST(DerivedHostTest, PortTrailingDotAndCaseAreNormalisedTogether) {
    Lab lab(ingress("web", "shop.example.com", {{"Prefix", "/", "s"}}) + backend("s"));
    const auto d = lab.get("http://SHOP.Example.COM.:8443/");
    EXPECT_THAT(d, Forwards("s"));
    EXPECT_EQ(d.upstream.host, "SHOP.Example.COM.:8443");  // forwarded as sent
}

TEST(DerivedHostTest, WildcardNeedsANonEmptyLabel) {
    Lab lab(ingress("wild", "*.foo.com", {{"Prefix", "/", "w"}}) + backend("w"));
    EXPECT_THAT(lab.get("http://.foo.com/"), Responds(404));
    EXPECT_THAT(lab.get("http://A-1.FOO.com/"), Forwards("w"));
}

TEST(DerivedHostTest, IpLiteralHostReachesOnlyHostLessRules) {
    // §3 A9
    Lab lab(ingress("named", "foo.com", {{"Prefix", "/", "named"}}) + backend("named"));
    EXPECT_THAT(lab.get("http://10.1.2.3/"), Responds(404));
    EXPECT_THAT(lab.get("http://[::1]:8080/"), Responds(404));
}

TEST(DerivedHostTest, UnclaimedIngressLeavesItsHostToTheDefaultServer) {
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: other-class
spec:
  ingressClassName: traefik
  rules:
  - host: a.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
)" + ingress("any", "", {{"Prefix", "/", "any"}}) +
            backends({"a", "any"}));
    const auto d = lab.get("http://a.com/");
    EXPECT_THAT(d, Forwards("any"));
    bool mentions_unclaimed = false;
    for (const auto& step : d.trace)
        mentions_unclaimed |= step.message.find("not served") != std::string::npos;
    EXPECT_TRUE(mentions_unclaimed);
}

TEST(DerivedHostTest, IngressDefaultBackendOnlyServesItsOwnHosts) {
    // §3 A10: a defaultBackend on an Ingress with rules is not the global catch-all.
    Lab lab(ingress("a", "a.com", {{"Prefix", "/app", "app"}}, {},
                    "  defaultBackend: {service: {name: d, port: {number: 80}}}\n") +
            backends({"app", "d"}));
    EXPECT_THAT(lab.get("http://a.com/app/x"), Forwards("app"));
    EXPECT_THAT(lab.get("http://a.com/elsewhere"), Forwards("d"));
    EXPECT_THAT(lab.get("http://b.com/elsewhere"), Responds(404));
}

TEST(DerivedHostTest, NewerIngressDefaultBackendDoesNotTakeOverAnExistingHost) {
    // createServers: the Ingress that first defines a host decides its default backend.
    Lab lab(ingress("first", "a.com", {{"Prefix", "/app", "app"}}) +
            ingress("second", "a.com", {{"Prefix", "/api", "api"}}, {},
                    "  defaultBackend: {service: {name: d, port: {number: 80}}}\n") +
            backends({"app", "api", "d"}));
    EXPECT_THAT(lab.get("http://a.com/api/x"), Forwards("api"));
    EXPECT_THAT(lab.get("http://a.com/elsewhere"), Responds(404));
    EXPECT_TRUE(lab.hasFinding("ILAB-ROUTE-007")) << lab.describeFindings();
}

TEST(DerivedHostTest, OldestRulesLessIngressIsTheCatchAll) {
    // §3 A10: the older of two rules-less Ingresses wins; the other is reported.
    const std::string first = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: first
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: one, port: {number: 80}}}
)";
    const std::string second = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: second
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: two, port: {number: 80}}}
)";
    Lab lab("---" + first + "---" + second + backends({"one", "two"}));
    EXPECT_THAT(lab.get("http://anything/x"), Forwards("one"));
    EXPECT_TRUE(lab.hasFinding("ILAB-ROUTE-006")) << lab.describeFindings();
}

// ---------------------------------------------------------------------------------------------
// Regex mode boundaries.

TEST(DerivedRegexModeTest, RegexModeOnOneHostDoesNotLeakToAnother) {
    Lab lab(ingress("regex", "a.com", {{"ImplementationSpecific", "/x[0-9]+", "ra"}},
                    {{"use-regex", "true"}}) +
            ingress("plain", "b.com", {{"Exact", "/exact", "pb"}}) + backends({"ra", "pb"}));
    EXPECT_THAT(lab.get("http://a.com/X12"), Forwards("ra"));  // case-insensitive regex
    EXPECT_THAT(lab.get("http://b.com/exact"), Forwards("pb"));
    EXPECT_THAT(lab.get("http://b.com/EXACT"), Responds(404));
    EXPECT_THAT(lab.get("http://b.com/exactly"), Responds(404));
    EXPECT_FALSE(lab.table().findServer("b.com")->regex_mode);
}

TEST(DerivedRegexModeTest, RegexModeOnAWildcardDoesNotReachAPreciseHostUnderIt) {
    Lab lab(ingress("wild", "*.a.com", {{"ImplementationSpecific", "/x.*", "w"}},
                    {{"use-regex", "true"}}) +
            ingress("precise", "www.a.com", {{"Exact", "/x", "p"}}) + backends({"w", "p"}));
    EXPECT_THAT(lab.get("http://www.a.com/x"), Forwards("p"));
    EXPECT_THAT(lab.get("http://www.a.com/xyz"), Responds(404));
    EXPECT_THAT(lab.get("http://api.a.com/xyz"), Forwards("w"));
}

TEST(DerivedRegexModeTest, RewriteTargetEqualToThePathNeitherRewritesNorForcesRegexMode) {
    // template.go needsRewrite: target == path is no rewrite.
    Lab lab(ingress("same", "h", {{"Prefix", "/foo", "s"}}, {{"rewrite-target", "/foo"}}) +
            ingress("exact", "h", {{"Exact", "/exact", "e"}}) + backends({"s", "e"}));
    EXPECT_FALSE(lab.table().findServer("h")->regex_mode);
    EXPECT_THAT(lab.get("http://h/foo/bar?q=1"), ForwardsWithPath("s", "/foo/bar?q=1"));
    EXPECT_THAT(lab.get("http://h/EXACT"), Responds(404));
}

TEST(DerivedRegexModeTest, RegexLocationsOfEqualLengthAreTriedInReverseLexicalOrder) {
    // ingress-nginx sorts locations by length, ties in reverse lexical order, and nginx takes
    // the first regex that matches: two overlapping patterns of the same length.
    Lab lab(ingress("one", "h", {{"ImplementationSpecific", "/a.c", "first"}},
                    {{"use-regex", "true"}}) +
            ingress("two", "h", {{"ImplementationSpecific", "/ab.", "second"}}) +
            backends({"first", "second"}));
    // "/ab." > "/a.c" lexically, so "/ab." is tried first and wins for /abc.
    EXPECT_THAT(lab.get("http://h/abc"), Forwards("second"));
    EXPECT_THAT(lab.get("http://h/axc"), Forwards("first"));
}

// ---------------------------------------------------------------------------------------------
// Canaries in odd places.

TEST(DerivedCanaryTest, CanaryOnAWildcardHost) {
    Lab lab(ingress("main", "*.foo.com", {{"Prefix", "/", "main"}}) +
            ingress("canary", "*.foo.com", {{"Prefix", "/", "canary"}},
                    {{"canary", "true"}, {"canary-by-header", "X-Canary"}}) +
            backends({"main", "canary"}));
    EXPECT_THAT(lab.get("http://a.foo.com/x", {{"X-Canary", "always"}}), Forwards("canary"));
    EXPECT_THAT(lab.get("http://a.foo.com/x"), Forwards("main"));
    EXPECT_THAT(lab.get("http://a.b.foo.com/x", {{"X-Canary", "always"}}), Responds(404));
}

TEST(DerivedCanaryTest, ImplementationSpecificAndPrefixAreTheSameTypeForMerging) {
    // ingress-nginx turns ImplementationSpecific into Prefix before merging canaries.
    Lab lab(ingress("main", "foo", {{"ImplementationSpecific", "/info", "main"}}) +
            ingress("canary", "foo", {{"Prefix", "/info", "canary"}},
                    {{"canary", "true"}, {"canary-by-header", "X-Canary"}}) +
            backends({"main", "canary"}));
    EXPECT_THAT(lab.get("http://foo/info", {{"X-Canary", "always"}}), Forwards("canary"));
    EXPECT_FALSE(lab.hasFinding("ILAB-ROUTE-002")) << lab.describeFindings();
}

TEST(DerivedCanaryTest, CanaryWithZeroReplicasGetsNoWeightedTraffic) {
    Lab lab(ingress("main", "foo", {{"Prefix", "/", "main"}}) +
            ingress("canary", "foo", {{"Prefix", "/", "canary"}},
                    {{"canary", "true"}, {"canary-weight", "100"}}) +
            backend("main") + backend("canary", 80, 0));
    core::SeededRandom random(11);
    for (int i = 0; i < 50; ++i) {
        const auto d = lab.send(request("GET", "http://foo/"), random);
        ASSERT_THAT(d, Forwards("main"));
        ASSERT_FALSE(d.canary);
    }
}

TEST(DerivedCanaryTest, NeverStopsBeforeTheWeight) {
    // header "never" and cookie "never" both end the evaluation on the main backend.
    Lab lab(ingress("main", "foo", {{"Prefix", "/", "main"}}) +
            ingress("canary", "foo", {{"Prefix", "/", "canary"}},
                    {{"canary", "true"},
                     {"canary-by-header", "X-Canary"},
                     {"canary-by-cookie", "canary"},
                     {"canary-weight", "100"}}) +
            backends({"main", "canary"}));
    core::SeededRandom random(12);
    EXPECT_THAT(lab.send(request("GET", "http://foo/",
                                 {{"X-Canary", "never"}, {"Cookie", "canary=always"}}),
                         random),
                Forwards("main"));
    EXPECT_THAT(lab.send(request("GET", "http://foo/", {{"Cookie", "canary=never"}}), random),
                Forwards("main"));
    EXPECT_THAT(lab.send(request("GET", "http://foo/"), random), Forwards("canary"));
}

TEST(DerivedCanaryTest, CanaryTrafficGetsTheMainRewriteAndAccessList) {
    Lab lab(ingress("main", "foo", {{"ImplementationSpecific", "/api(/|$)(.*)", "main"}},
                    {{"rewrite-target", "/$2"}, {"allowlist-source-range", "10.0.0.0/8"}}) +
            ingress("canary", "foo", {{"ImplementationSpecific", "/api(/|$)(.*)", "canary"}},
                    {{"canary", "true"}, {"canary-by-header", "X-Canary"}}) +
            backends({"main", "canary"}));
    auto r = request("GET", "http://foo/api/users?page=2", {{"X-Canary", "always"}});
    r.client_ip = "10.1.2.3";
    const auto d = lab.send(r);
    EXPECT_THAT(d, ForwardsWithPath("canary", "/users?page=2"));
    EXPECT_TRUE(d.canary);
    r.client_ip = "192.0.2.1";
    EXPECT_THAT(lab.send(r), Responds(403));
}

TEST(DerivedCanaryTest, CanaryOnlyShadowsItsOwnPath) {
    Lab lab(ingress("main", "foo", {{"Prefix", "/", "main"}, {"Prefix", "/api", "api"}}) +
            ingress("canary", "foo", {{"Prefix", "/api", "canary"}},
                    {{"canary", "true"}, {"canary-by-header", "X-Canary"}}) +
            backends({"main", "api", "canary"}));
    EXPECT_THAT(lab.get("http://foo/api/x", {{"X-Canary", "always"}}), Forwards("canary"));
    EXPECT_THAT(lab.get("http://foo/web", {{"X-Canary", "always"}}), Forwards("main"));
}

// ---------------------------------------------------------------------------------------------
// Paths and request normalisation.

TEST(DerivedPathTest, ExactWithTrailingSlashBesidePrefixWithout) {
    Lab lab(ingress("p", "h", {{"Exact", "/foo/", "exact"}, {"Prefix", "/foo", "prefix"}}) +
            backends({"exact", "prefix"}));
    EXPECT_THAT(lab.get("http://h/foo"), Forwards("prefix"));
    EXPECT_THAT(lab.get("http://h/foo/"), Forwards("exact"));
    EXPECT_THAT(lab.get("http://h/foo/x"), Forwards("prefix"));
}

TEST(DerivedPathTest, ExactRootMatchesOnlyTheRoot) {
    Lab lab(ingress("p", "h", {{"Exact", "/", "root"}}) + backend("root"));
    EXPECT_THAT(lab.get("http://h/"), Forwards("root"));
    EXPECT_THAT(lab.get("http://h"), Forwards("root"));
    EXPECT_THAT(lab.get("http://h/x"), Responds(404));
}

TEST(DerivedPathTest, PercentEncodedCharactersMatchTheDecodedRuleAndArriveAsSent) {
    // §3 A8: decoded for matching; the backend sees the request-target as sent.
    Lab lab(ingress("p", "h", {{"Exact", "/foo bar", "s"}, {"Prefix", "/api", "api"}}) +
            backends({"s", "api"}));
    EXPECT_THAT(lab.get("http://h/foo%20bar"), ForwardsWithPath("s", "/foo%20bar"));
    EXPECT_THAT(lab.get("http://h/%61pi/v1"), ForwardsWithPath("api", "/%61pi/v1"));
}

TEST(DerivedPathTest, EncodedSlashIsAPathSeparatorAsInNginx) {
    // nginx's ngx_http_parse_complex_uri() decodes %2F before location matching ($uri), so
    // "/admin%2Fx" is "/admin/x" (checked against nginx 1.22 on loopback); the backend still
    // gets the request-target as sent.
    Lab lab(ingress("p", "h", {{"Prefix", "/a/b", "ab"}, {"Prefix", "/a", "a"}}) +
            backends({"ab", "a"}));
    EXPECT_THAT(lab.get("http://h/a%2Fb"), ForwardsWithPath("ab", "/a%2Fb"));
    EXPECT_THAT(lab.get("http://h/a/b%2Fc"), Forwards("ab"));
    EXPECT_THAT(lab.get("http://h/a%2F%2E%2E%2Fb"), Responds(404));  // "/a/../b" is "/b"
}

TEST(DerivedPathTest, DotSegmentsAreResolvedBeforeMatching) {
    Lab lab(ingress("p", "h", {{"Prefix", "/public", "public"}, {"Exact", "/admin", "admin"}}) +
            backends({"public", "admin"}));
    EXPECT_THAT(lab.get("http://h/public/../admin"), ForwardsWithPath("admin", "/public/../admin"));
    EXPECT_THAT(lab.get("http://h/public/./x"), Forwards("public"));
    EXPECT_THAT(lab.get("http://h/../../public"), Responds(400));  // nginx: above the root
}

TEST(DerivedPathTest, RepeatedSlashesAreMerged) {
    Lab lab(ingress("p", "h", {{"Exact", "/a/b", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://h//a///b"), Forwards("s"));
}

TEST(DerivedPathTest, QueryWithSlashesDoesNotTakePartInMatching) {
    Lab lab(ingress("p", "h", {{"Exact", "/login", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://h/login?next=/admin/"),
                ForwardsWithPath("s", "/login?next=/admin/"));
    EXPECT_THAT(lab.get("http://h/login/?next=x"), Responds(404));
}

TEST(DerivedPathTest, TargetThatIsNotAnAbsolutePathIsABadRequest) {
    Lab lab(ingress("p", "", {{"Prefix", "/", "s"}}) + backend("s"));
    routing::Request r;
    r.method = "OPTIONS";
    r.host = "h";
    r.target = "*";
    EXPECT_THAT(lab.send(r), Responds(400));
}

TEST(DerivedPathTest, EveryMethodIsRoutedTheSameWay) {
    Lab lab(ingress("p", "h", {{"Prefix", "/api", "s"}}) + backend("s"));
    for (const char* method :
         {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"})
        EXPECT_THAT(lab.decide(method, "http://h/api"), Forwards("s")) << method;
}

// ---------------------------------------------------------------------------------------------
// Services: ports, namespaces, endpoints.

TEST(DerivedServiceTest, NamedServicePortResolvesToItsNumber) {
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: named
spec:
  ingressClassName: nginx
  rules:
  - host: h
    http:
      paths:
      - {path: /ok, pathType: Prefix, backend: {service: {name: s, port: {name: http}}}}
      - {path: /bad, pathType: Prefix, backend: {service: {name: s, port: {name: grpc}}}}
      - {path: /num, pathType: Prefix, backend: {service: {name: s, port: {number: 81}}}}
)" + backend("s", 8000));
    const auto ok = lab.get("http://h/ok");
    EXPECT_THAT(ok, Forwards("s"));
    ASSERT_TRUE(ok.backend);
    EXPECT_EQ(ok.backend->service_port, 8000);
    EXPECT_EQ(ok.backend->target_port, "8080");
    const auto bad = lab.get("http://h/bad");
    EXPECT_THAT(bad, Responds(503));
    EXPECT_EQ(bad.reason, "Service \"default/s\" has no port \"grpc\"");
    EXPECT_THAT(lab.get("http://h/num"), Responds(503));
}

TEST(DerivedServiceTest, NamedTargetPortOnlyReachesPodsDeclaringIt) {
    const std::string service = R"(
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  selector: {app: s}
  ports:
  - {name: http, port: 80, targetPort: web}
)";
    const std::string deployment = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: s}
spec:
  replicas: 2
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
      - name: app
        ports: [{name: PORT_NAME, containerPort: 8080}]
)";
    auto with = [&](const std::string& port_name) {
        std::string d = deployment;
        d.replace(d.find("PORT_NAME"), 9, port_name);
        return ingress("p", "h", {{"Prefix", "/", "s"}}) + "---" + service + "---" + d;
    };
    Lab declared(with("web"));
    const auto ok = declared.get("http://h/");
    EXPECT_THAT(ok, Forwards("s"));
    EXPECT_EQ(ok.backend->endpoints.size(), 2u);
    Lab undeclared(with("other"));
    EXPECT_THAT(undeclared.get("http://h/"), Responds(503));
}

TEST(DerivedServiceTest, BackendServiceIsLookedUpInTheIngressNamespace) {
    const std::string ing = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: team-a
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
)";
    Lab elsewhere(ing + backend("web"));
    const auto d = elsewhere.get("http://shop.example/");
    EXPECT_THAT(d, Responds(503));
    EXPECT_EQ(d.reason, "Service \"team-a/web\" does not exist");
    Lab same(ing + backend("web", 80, 1, "team-a"));
    const auto ok = same.get("http://shop.example/");
    EXPECT_THAT(ok, Forwards("web"));
    EXPECT_EQ(ok.backend->namespace_, "team-a");
    EXPECT_EQ(ok.ingress, "team-a/shop");
}

TEST(DerivedServiceTest, ServiceWithoutSelectorHasNoEndpoints) {
    Lab lab(ingress("p", "h", {{"Prefix", "/", "s"}}) + R"(
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports: [{port: 80}]
)");
    EXPECT_THAT(lab.get("http://h/"), Responds(503));
}

TEST(DerivedServiceTest, UpstreamVhostReplacesTheHostSentUpstream) {
    Lab lab(ingress("p", "h", {{"Prefix", "/", "s"}}, {{"upstream-vhost", "internal.svc"}}) +
            backend("s"));
    EXPECT_EQ(lab.get("http://h/").upstream.host, "internal.svc");
}

// ---------------------------------------------------------------------------------------------
// TLS, redirects and their order.

TEST(DerivedRedirectTest, TlsSectionOnlyCoversTheHostsOfItsOwnIngress) {
    // ingress-nginx reads an Ingress's tls section for the hosts of its own rules only, so a
    // certificate listed by an Ingress without a rule for the host does not turn on ssl-redirect.
    const std::string tls_only = ingress("certs", "other.example", {{"Prefix", "/", "s"}}, {},
                                         "  tls:\n  - hosts: [h.example]\n    secretName: h-tls\n");
    const std::string site = ingress("site", "h.example", {{"Prefix", "/", "s"}});
    Lab certs_first(tls_only + site + backend("s"));
    EXPECT_THAT(certs_first.get("http://h.example/"), Forwards("s"));
    Lab site_first(site + tls_only + backend("s"));
    EXPECT_THAT(site_first.get("http://h.example/"), Forwards("s"));
}

TEST(DerivedRedirectTest, TlsOfOneIngressRedirectsEveryPathOfTheHost) {
    Lab lab(ingress("secure", "h.example", {{"Prefix", "/app", "app"}}, {},
                    "  tls:\n  - hosts: [h.example]\n    secretName: h-tls\n") +
            ingress("plain", "h.example", {{"Prefix", "/docs", "docs"}}) +
            backends({"app", "docs"}));
    EXPECT_THAT(lab.get("http://h.example/docs/x"), Redirects(308, "https://h.example/docs/x"));
    EXPECT_THAT(lab.get("https://h.example/docs/x"), Forwards("docs"));
}

TEST(DerivedRedirectTest, WildcardTlsHostCoversAPreciseRuleHost) {
    Lab lab(ingress("w", "api.foo.com", {{"Prefix", "/", "s"}}, {},
                    "  tls:\n  - hosts: ['*.foo.com']\n    secretName: wild\n") +
            backend("s"));
    EXPECT_THAT(lab.get("http://api.foo.com/v1"), Redirects(308, "https://api.foo.com/v1"));
}

TEST(DerivedRedirectTest, HttpRedirectCodeComesFromTheOptions) {
    routing::CompileOptions options;
    options.http_redirect_code = 301;
    Lab lab(
        ingress("t", "h", {{"Prefix", "/", "s"}}, {{"force-ssl-redirect", "true"}}) + backend("s"),
        options);
    EXPECT_THAT(lab.get("http://h/a/"), Redirects(301, "https://h/a"));
}

TEST(DerivedRedirectTest, TemporalRedirectCode307) {
    Lab lab(ingress("t", "h", {{"Prefix", "/", "s"}},
                    {{"permanent-redirect", "https://p.example"},
                     {"temporal-redirect", "https://t.example/x"},
                     {"temporal-redirect-code", "307"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://h/"), Redirects(307, "https://t.example/x"));
}

TEST(DerivedRedirectTest, RedirectAnnotationOnOneIngressLeavesTheOtherPathsOfTheHost) {
    Lab lab(ingress("old", "h", {{"Prefix", "/old", "s"}},
                    {{"permanent-redirect", "https://new.example"}}) +
            ingress("app", "h", {{"Prefix", "/", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://h/old/page"), Redirects(301, "https://new.example"));
    EXPECT_THAT(lab.get("http://h/page"), Forwards("s"));
}

// ---------------------------------------------------------------------------------------------
// The root location: ingress-nginx gives each host server a "/" location built from the Ingress
// that first defined the host, so its annotations act on paths no rule matches.

TEST(DerivedRootLocationTest, TlsHostRedirectsUnmatchedPathsToHttpsFirst) {
    Lab lab(ingress("app", "h.example", {{"Prefix", "/app", "app"}}, {},
                    "  tls:\n  - hosts: [h.example]\n    secretName: h-tls\n") +
            backend("app"));
    EXPECT_THAT(lab.get("http://h.example/other?x=1"),
                Redirects(308, "https://h.example/other?x=1"));
    EXPECT_THAT(lab.get("https://h.example/other"), Responds(404));
}

TEST(DerivedRootLocationTest, RedirectAnnotationOfTheFirstIngressCoversUnmatchedPaths) {
    Lab lab(ingress("old", "h", {{"Prefix", "/old", "s"}},
                    {{"permanent-redirect", "https://new.example"}}) +
            ingress("api", "h", {{"Prefix", "/api", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://h/unmatched"), Redirects(301, "https://new.example"));
    EXPECT_THAT(lab.get("http://h/api/x"), Forwards("s"));
}

TEST(DerivedRootLocationTest, AllowListOfTheFirstIngressGuardsTheDefaultBackend) {
    Lab lab(
        ingress("a", "h", {{"Prefix", "/app", "s"}}, {{"allowlist-source-range", "10.0.0.0/8"}}) +
        backend("s"));
    auto r = request("GET", "http://h/unmatched");
    r.client_ip = "192.0.2.1";
    EXPECT_THAT(lab.send(r), Responds(403));
    r.client_ip = "10.0.0.1";
    EXPECT_THAT(lab.send(r), Responds(404));
}

TEST(DerivedRootLocationTest, BodyLimitAppliesToUnknownHosts) {
    Lab lab(ingress("a", "h", {{"Prefix", "/", "s"}}, {{"proxy-body-size", "0"}}) + backend("s"));
    auto r = request("POST", "http://unknown.example/");
    r.content_length = 2 * 1024 * 1024;
    EXPECT_THAT(lab.send(r), Responds(413));  // the default server keeps the 1m default
    r.host = "h";
    EXPECT_THAT(lab.send(r), Forwards("s"));
    routing::CompileOptions unlimited;
    unlimited.default_body_limit = 0;
    Lab lab_unlimited(ingress("a", "h", {{"Prefix", "/", "s"}}) + backend("s"), unlimited);
    r.host = "unknown.example";
    EXPECT_THAT(lab_unlimited.send(r), Responds(404));
}

TEST(DerivedRootLocationTest, CatchAllKeepsNoRedirectAnnotations) {
    // createServers restores the catch-all root's redirect and rewrite settings.
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: catch-all
  annotations:
    nginx.ingress.kubernetes.io/permanent-redirect: https://elsewhere.example
    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: d, port: {number: 80}}}
)" + backend("d"));
    EXPECT_THAT(lab.get("http://anything/x"), Forwards("d"));
}

// ---------------------------------------------------------------------------------------------
// Body limits and access lists.

routing::Decision upload(const Lab& lab, std::optional<std::uint64_t> bytes,
                         const std::string& ip = "127.0.0.1") {
    auto r = request("POST", "http://h/upload");
    r.content_length = bytes;
    r.client_ip = ip;
    return lab.send(r);
}

TEST(DerivedBodyLimitTest, OnlyBodiesOverTheLimitAreRefused) {
    Lab lab(ingress("b", "h", {{"Prefix", "/", "s"}}, {{"proxy-body-size", "1k"}}) + backend("s"));
    EXPECT_THAT(upload(lab, 1024), Forwards("s"));
    EXPECT_THAT(upload(lab, 1025), Responds(413));
    EXPECT_THAT(upload(lab, std::nullopt), Forwards("s"));  // chunked: checked while reading
}

TEST(DerivedBodyLimitTest, ProxyBodySizeZeroDisablesTheCheck) {
    Lab lab(ingress("b", "h", {{"Prefix", "/", "s"}}, {{"proxy-body-size", "0"}}) + backend("s"));
    EXPECT_THAT(upload(lab, 10ull * 1024 * 1024 * 1024), Forwards("s"));
}

TEST(DerivedBodyLimitTest, UnitsAreBinary) {
    Lab lab(ingress("b", "h", {{"Prefix", "/", "s"}}, {{"proxy-body-size", "8m"}}) + backend("s"));
    EXPECT_THAT(upload(lab, 8ull * 1024 * 1024), Forwards("s"));
    EXPECT_THAT(upload(lab, 8ull * 1024 * 1024 + 1), Responds(413));
}

TEST(DerivedBodyLimitTest, BodyLimitComesBeforeRedirectsAndAccessLists) {
    // nginx-annotations §2.3 step 4: 413 is decided when the location is chosen.
    Lab redirecting(
        ingress("b", "h", {{"Prefix", "/", "s"}},
                {{"proxy-body-size", "1k"}, {"permanent-redirect", "https://x.example"}}) +
        backend("s"));
    EXPECT_THAT(upload(redirecting, 4096), Responds(413));
    Lab denying(ingress("b", "h", {{"Prefix", "/", "s"}},
                        {{"proxy-body-size", "1k"}, {"denylist-source-range", "10.0.0.0/8"}}) +
                backend("s"));
    EXPECT_THAT(upload(denying, 4096, "10.1.1.1"), Responds(413));
    EXPECT_THAT(upload(denying, 10, "10.1.1.1"), Responds(403));
}

TEST(DerivedAccessListTest, ForwardedForIsIgnoredUnlessTrusted) {
    Lab lab(ingress("d", "h", {{"Prefix", "/", "s"}}, {{"denylist-source-range", "18.0.0.0/8"}}) +
            backend("s"));
    auto r = request("GET", "http://h/", {{"X-Forwarded-For", "18.0.0.1"}});
    r.client_ip = "10.0.0.1";
    EXPECT_THAT(lab.send(r), Forwards("s"));
    r.client_ip = "18.0.0.1";
    EXPECT_THAT(lab.send(r), Responds(403));
}

TEST(DerivedAccessListTest, Ipv6RangesAreHonoured) {
    Lab lab(
        ingress("a", "h", {{"Prefix", "/", "s"}}, {{"allowlist-source-range", "2001:db8::/32"}}) +
        backend("s"));
    auto r = request("GET", "http://h/");
    r.client_ip = "2001:db8::7";
    EXPECT_THAT(lab.send(r), Forwards("s"));
    r.client_ip = "2001:db9::7";
    EXPECT_THAT(lab.send(r), Responds(403));
}

TEST(DerivedAccessListTest, MissingServiceAnswers503BeforeTheAllowList) {
    // nginx-annotations §3.6: the balancer's 503 comes before the access phase.
    Lab lab(ingress("a", "h", {{"Prefix", "/", "missing"}},
                    {{"allowlist-source-range", "10.0.0.0/8"}}));
    auto r = request("GET", "http://h/");
    r.client_ip = "192.0.2.1";
    EXPECT_THAT(lab.send(r), Responds(503));
}

// ---------------------------------------------------------------------------------------------
// Compiling: Ingresses with the same annotations share their policies, findings stay their own.

TEST(DerivedCompileTest, IngressesWithTheSameAnnotationsShareOnePolicies) {
    const Annotations rewrite = {{"rewrite-target", "/"}, {"proxy-read-timeout", "5"}};
    Lab lab(ingress("a", "a.com", {{"Prefix", "/", "s"}}, rewrite) +
            ingress("b", "b.com", {{"Prefix", "/", "s"}}, rewrite) +
            ingress("c", "c.com", {{"Prefix", "/", "s"}}, {{"proxy-read-timeout", "7"}}) +
            ingress("d", "d.com", {{"Prefix", "/", "s"}}) +
            ingress("e", "e.com", {{"Prefix", "/", "s"}}) + backend("s"));
    const auto& policies = lab.table().policies();
    EXPECT_EQ(policies.at("default/a"), policies.at("default/b"));
    EXPECT_NE(policies.at("default/a"), policies.at("default/c"));
    EXPECT_EQ(policies.at("default/d"), policies.at("default/e"));
    EXPECT_EQ(policies.at("default/a")->timeouts.read_seconds, 5);
    EXPECT_EQ(policies.at("default/c")->timeouts.read_seconds, 7);
    EXPECT_THAT(lab.get("http://c.com/x"), Forwards("s"));
}

TEST(DerivedCompileTest, AnnotationsThatOnlyLookAlikeJoinedDoNotSharePolicies) {
    // A value holding NULs ("\0" in a double-quoted YAML scalar) must not pass for two
    // annotations: joined with NULs, both sets would read the same.
    const std::string older = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: a
  annotations:
    example.com/note: "x\0nginx.ingress.kubernetes.io/ssl-redirect\0false"
spec:
  ingressClassName: nginx
  rules: [{host: a.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]
---
)";
    Lab lab(older + ingress("b", "b.com", {{"Prefix", "/", "s"}},
                            {{"example.com/note", "x"}, {"ssl-redirect", "false"}}) +
            backend("s"));
    const auto& policies = lab.table().policies();
    EXPECT_NE(policies.at("default/a"), policies.at("default/b"));
    EXPECT_TRUE(policies.at("default/a")->redirect.ssl_redirect);
    EXPECT_FALSE(policies.at("default/b")->redirect.ssl_redirect);
}

TEST(DerivedCompileTest, EachIngressKeepsItsOwnFindingsForTheSameAnnotations) {
    // Two Ingresses with the same misspelt annotation: each gets the warning, at its own line.
    const Annotations typo = {{"rewrite-targett", "/"}};
    Lab lab(ingress("a", "a.com", {{"Prefix", "/", "s"}}, typo) +
                ingress("b", "b.com", {{"Prefix", "/", "s"}}, typo) + backend("s"),
            Lab::Load::AllowErrors);
    std::vector<const core::Diagnostic*> unknown;
    for (const auto& d : lab.findings().items())
        if (d.message.find("unknown annotation") != std::string::npos) unknown.push_back(&d);
    ASSERT_EQ(unknown.size(), 2u) << lab.describeFindings();
    EXPECT_EQ(unknown[0]->object, "Ingress default/a");
    EXPECT_EQ(unknown[1]->object, "Ingress default/b");
    EXPECT_LT(unknown[0]->location.line, unknown[1]->location.line);
    EXPECT_NE(lab.table().policies().at("default/a"), lab.table().policies().at("default/b"));
}

}  // namespace
}  // namespace ilab::test
