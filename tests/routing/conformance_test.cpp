// Routing cases from the Ingress conformance suite (kubernetes-sigs/ingress-controller-conformance,
// features/*.feature), the Kubernetes documentation and API field docs
// (https://kubernetes.io/docs/concepts/services-networking/ingress/) and ingress-nginx's e2e
// tests (kubernetes/ingress-nginx, test/e2e/).
// Each test names its case number.
#include <set>

#include "tests/support/fixtures.h"

namespace ilab::test {
namespace {

// ---------------------------------------------------------------------------------------------
// §2.1 fixtures from the Ingress conformance suite.

// F-DEF: one Ingress without rules, everything to echo-service:8080.
const std::string kDefaultBackend = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: default-backend
spec:
  ingressClassName: nginx
  defaultBackend:
    service:
      name: echo-service
      port:
        number: 8080
)" + backend("echo-service", 8080);

// F-HOST: a wildcard host and a TLS host whose backend is named by port name.
const std::string kHostRules = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: host-rules
spec:
  ingressClassName: nginx
  tls:
  - hosts:
    - foo.bar.com
    secretName: conformance-tls
  rules:
  - host: "*.foo.com"
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: wildcard-foo-com
            port:
              number: 8080
  - host: foo.bar.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: foo-bar-com
            port:
              name: http
)" + backend("wildcard-foo-com", 8080) +
                               backend("foo-bar-com", 8080);

// F-PATH: one Ingress, four hosts, Exact and Prefix rules with and without trailing slashes.
const std::string kPathRules = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: path-rules
spec:
  ingressClassName: nginx
  rules:
  - host: exact-path-rules
    http:
      paths:
      - path: /foo
        pathType: Exact
        backend: {service: {name: foo-exact, port: {number: 8080}}}
  - host: prefix-path-rules
    http:
      paths:
      - path: /foo
        pathType: Prefix
        backend: {service: {name: foo-prefix, port: {number: 8080}}}
      - path: /aaa/bbb
        pathType: Prefix
        backend: {service: {name: aaa-slash-bbb-prefix, port: {number: 8080}}}
      - path: /aaa
        pathType: Prefix
        backend: {service: {name: aaa-prefix, port: {number: 8080}}}
  - host: mixed-path-rules
    http:
      paths:
      - path: /foo
        pathType: Prefix
        backend: {service: {name: foo-prefix, port: {number: 8080}}}
      - path: /foo
        pathType: Exact
        backend: {service: {name: foo-exact, port: {number: 8080}}}
  - host: trailing-slash-path-rules
    http:
      paths:
      - path: /aaa/bbb/
        pathType: Prefix
        backend: {service: {name: aaa-slash-bbb-slash-prefix, port: {number: 8080}}}
      - path: /foo/
        pathType: Exact
        backend: {service: {name: foo-slash-exact, port: {number: 8080}}}
)" + backend("foo-exact", 8080) +
                               backend("foo-prefix", 8080) + backend("aaa-slash-bbb-prefix", 8080) +
                               backend("aaa-prefix", 8080) +
                               backend("aaa-slash-bbb-slash-prefix", 8080) +
                               backend("foo-slash-exact", 8080);

// ---------------------------------------------------------------------------------------------
// §2.2 Ingress conformance suite: default backend.

TEST(ConformanceDefaultBackendTest, RulesLessIngressServesEveryHostAndPath) {
    Lab lab(kDefaultBackend);
    // conformance #1: GET http://my-host/ reaches echo-service unchanged.
    const auto d = lab.get("http://my-host/");
    EXPECT_THAT(d, ForwardsWithPath("echo-service", "/"));
    EXPECT_EQ(d.upstream.host, "my-host");
    ASSERT_TRUE(d.backend);
    EXPECT_EQ(d.backend->service_port, 8080);
    EXPECT_EQ(d.ingress, "default/default-backend");
    // conformance #2
    EXPECT_THAT(lab.get("http://my-host/sub-path"), ForwardsWithPath("echo-service", "/sub-path"));
}

TEST(ConformanceDefaultBackendTest, EveryMethodIsRouted) {
    Lab lab(kDefaultBackend);
    // conformance #3, #5, #6
    EXPECT_THAT(lab.decide("POST", "http://some-host/"), ForwardsWithPath("echo-service", "/"));
    EXPECT_THAT(lab.decide("DELETE", "http://some-host/resource"),
                ForwardsWithPath("echo-service", "/resource"));
    EXPECT_THAT(lab.decide("PATCH", "http://my-host/resource"),
                ForwardsWithPath("echo-service", "/resource"));
}

TEST(ConformanceDefaultBackendTest, RequestsToTheAddressWithoutAHostNameAreServed) {
    Lab lab(kDefaultBackend);
    // conformance #4: PUT http://<ingress-IP>/resource.
    EXPECT_THAT(lab.decide("PUT", "http://127.0.0.1/resource"),
                ForwardsWithPath("echo-service", "/resource"));
    EXPECT_THAT(lab.decide("PUT", "/resource"), ForwardsWithPath("echo-service", "/resource"));
}

// ---------------------------------------------------------------------------------------------
// §2.2 host rules.

TEST(ConformanceHostRulesTest, TlsHostIsServedOverHttpsByItsNamedPort) {
    Lab lab(kHostRules);
    // conformance #7: https to foo.bar.com, backend addressed by the port name "http".
    const auto d = lab.get("https://foo.bar.com/");
    EXPECT_THAT(d, ForwardsWithPath("foo-bar-com", "/"));
    EXPECT_EQ(d.upstream.host, "foo.bar.com");
    ASSERT_TRUE(d.backend);
    EXPECT_EQ(d.backend->port, "http");
    EXPECT_EQ(d.backend->service_port, 8080);
    const routing::Server* server = lab.table().findServer("foo.bar.com");
    ASSERT_NE(server, nullptr);
    EXPECT_TRUE(server->tls);
    EXPECT_EQ(server->tls_secret, "default/conformance-tls");
}

TEST(ConformanceHostRulesTest, PlainHttpToTheTlsHostRedirectsToHttps) {
    Lab lab(kHostRules);
    // conformance #8: ICC follows the redirect; ingress-nginx answers 308 without the slash.
    EXPECT_THAT(lab.get("http://foo.bar.com/"), Redirects(308, "https://foo.bar.com"));
}

TEST(ConformanceHostRulesTest, UnknownSubdomainOfAPreciseHostIsNotFound) {
    Lab lab(kHostRules);
    EXPECT_THAT(lab.get("http://subdomain.bar.com/"), Responds(404));  // conformance #9
}

TEST(ConformanceHostRulesTest, WildcardMatchesExactlyOneLabel) {
    Lab lab(kHostRules);
    // conformance #10
    const auto d = lab.get("http://bar.foo.com/");
    EXPECT_THAT(d, Forwards("wildcard-foo-com"));
    EXPECT_EQ(d.upstream.host, "bar.foo.com");
    // conformance #11, #12
    EXPECT_THAT(lab.get("http://baz.bar.foo.com/"), Responds(404));
    EXPECT_THAT(lab.get("http://foo.com/"), Responds(404));
}

// ---------------------------------------------------------------------------------------------
// §2.2 ingress class and load balancing.

TEST(ConformanceIngressClassTest, IngressOfAnUnknownClassRoutesNothing) {
    // conformance #13
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ingress-class
spec:
  ingressClassName: some-invalid-class-name
  rules:
  - host: ingress-class
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: ingress-class-prefix, port: {number: 8080}}}
)" + backend("ingress-class-prefix", 8080));
    EXPECT_FALSE(lab.manifests().ingresses.at(0).claimed);
    EXPECT_THAT(lab.get("http://ingress-class/"), Responds(404));
    EXPECT_EQ(lab.table().findServer("ingress-class"), nullptr);
    EXPECT_TRUE(lab.table().inactiveHosts().count("ingress-class"));
}

TEST(ConformanceLoadBalancingTest, EveryReadyReplicaIsAnEndpoint) {
    // conformance #14: ten replicas behind the default backend are ten distinct endpoints.
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: load-balancing
spec:
  ingressClassName: nginx
  defaultBackend:
    service: {name: echo-service, port: {number: 8080}}
)" + backend("echo-service", 8080, 10));
    const auto d = lab.get("http://load-balancing/");
    ASSERT_THAT(d, Forwards("echo-service"));
    const std::set<std::string> distinct(d.backend->endpoints.begin(), d.backend->endpoints.end());
    EXPECT_EQ(distinct.size(), 10u);
}

// ---------------------------------------------------------------------------------------------
// §2.2 path rules.

TEST(ConformancePathRulesTest, ExactMatchesOnlyTheWholePathCaseSensitively) {
    Lab lab(kPathRules);
    EXPECT_THAT(lab.get("http://exact-path-rules/foo"),
                ForwardsWithPath("foo-exact", "/foo"));                   // #15
    EXPECT_THAT(lab.get("http://exact-path-rules/foo/"), Responds(404));  // #16
    EXPECT_THAT(lab.get("http://exact-path-rules/FOO"), Responds(404));   // #17
    EXPECT_THAT(lab.get("http://exact-path-rules/bar"), Responds(404));   // #18
}

TEST(ConformancePathRulesTest, PrefixMatchesWholeElementsOnly) {
    Lab lab(kPathRules);
    EXPECT_THAT(lab.get("http://prefix-path-rules/foo"), Forwards("foo-prefix"));   // #19
    EXPECT_THAT(lab.get("http://prefix-path-rules/foo/"), Forwards("foo-prefix"));  // #20
    EXPECT_THAT(lab.get("http://prefix-path-rules/FOO"), Responds(404));            // #21
    EXPECT_THAT(lab.get("http://prefix-path-rules/aaaccc"), Responds(404));         // #25
}

TEST(ConformancePathRulesTest, LongestPrefixWins) {
    Lab lab(kPathRules);
    EXPECT_THAT(lab.get("http://prefix-path-rules/aaa/bbb"),
                Forwards("aaa-slash-bbb-prefix"));  // #22
    EXPECT_THAT(lab.get("http://prefix-path-rules/aaa/bbb/ccc"),
                Forwards("aaa-slash-bbb-prefix"));                                     // #23
    EXPECT_THAT(lab.get("http://prefix-path-rules/aaa/ccc"), Forwards("aaa-prefix"));  // #24
}

TEST(ConformancePathRulesTest, ExactBeatsPrefixOnTheSamePath) {
    Lab lab(kPathRules);
    EXPECT_THAT(lab.get("http://mixed-path-rules/foo"), Forwards("foo-exact"));       // #26
    EXPECT_THAT(lab.get("http://mixed-path-rules/foo/bar"), Forwards("foo-prefix"));  // #31
}

TEST(ConformancePathRulesTest, PrefixRuleWithATrailingSlashRedirectsThePathWithoutIt) {
    Lab lab(kPathRules);
    // #27: the spec forwards /aaa/bbb; ingress-nginx renders `location "/aaa/bbb/"` and nginx's
    // auto_redirect answers 301 to /aaa/bbb/ (docs/routing.md, "Paths"), which a client that
    // follows redirects then gets forwarded (#28).
    EXPECT_THAT(lab.get("http://trailing-slash-path-rules/aaa/bbb"),
                Redirects(301, "http://trailing-slash-path-rules/aaa/bbb/"));
    EXPECT_THAT(lab.get("http://trailing-slash-path-rules/aaa/bbb/"),
                Forwards("aaa-slash-bbb-slash-prefix"));  // #28
}

TEST(ConformancePathRulesTest, TrailingSlashOfAnExactRuleCounts) {
    Lab lab(kPathRules);
    // #29: the spec answers 404; `location = "/foo/"` proxy_passes too, so nginx redirects.
    EXPECT_THAT(lab.get("http://trailing-slash-path-rules/foo"),
                Redirects(301, "http://trailing-slash-path-rules/foo/"));
    EXPECT_THAT(lab.get("http://trailing-slash-path-rules/foo/"),
                Forwards("foo-slash-exact"));  // #30
}

TEST(ConformancePathRulesTest, UnknownHostWithoutDefaultBackendIsNotFound) {
    Lab lab(kPathRules);
    const auto d = lab.get("http://unknown-host/foo");  // #32
    EXPECT_THAT(d, Responds(404));
    EXPECT_FALSE(d.backend);
}

// ---------------------------------------------------------------------------------------------
// §2.3 Kubernetes documentation: the path-type examples table.

struct PathCase {
    std::vector<PathSpec> paths;
    std::string request;
    std::string expected;  // a Service, "404", or "301" (to the request path plus a slash)
};

void expectPathCase(const PathCase& c, int number) {
    SCOPED_TRACE("conformance #" + std::to_string(number) + " request " + c.request);
    Lab lab(ingress("docs", "", c.paths) + backends({"s", "a", "b", "r", "d", "p", "e"}));
    const auto d = lab.get("http://docs.example" + c.request);
    if (c.expected == "404")
        EXPECT_THAT(d, Responds(404));
    else if (c.expected == "301")
        EXPECT_THAT(d, Redirects(301, "http://docs.example" + c.request + "/"));
    else
        EXPECT_THAT(d, ForwardsWithPath(c.expected, c.request));
}

TEST(ConformancePathTypeTest, DocumentationExamplesTable) {
    expectPathCase({{{"Prefix", "/", "s"}}, "/anything/at/all", "s"}, 33);
    expectPathCase({{{"Exact", "/foo", "s"}}, "/foo", "s"}, 34);
    expectPathCase({{{"Exact", "/foo", "s"}}, "/bar", "404"}, 35);
    expectPathCase({{{"Exact", "/foo", "s"}}, "/foo/", "404"}, 36);
    // #37, #39, #42: a rule path with a trailing slash renders an nginx location of that
    // name, and nginx answers the path without the slash with a 301 to it (the spec says 404
    // for #37 and a match for #39 and #42).
    expectPathCase({{{"Exact", "/foo/", "s"}}, "/foo", "301"}, 37);
    expectPathCase({{{"Prefix", "/foo", "s"}}, "/foo", "s"}, 38);
    expectPathCase({{{"Prefix", "/foo", "s"}}, "/foo/", "s"}, 38);
    expectPathCase({{{"Prefix", "/foo/", "s"}}, "/foo", "301"}, 39);
    expectPathCase({{{"Prefix", "/foo/", "s"}}, "/foo/", "s"}, 39);
    expectPathCase({{{"Prefix", "/aaa/bb", "s"}}, "/aaa/bbb", "404"}, 40);
    expectPathCase({{{"Prefix", "/aaa/bbb", "s"}}, "/aaa/bbb", "s"}, 41);
    expectPathCase({{{"Prefix", "/aaa/bbb/", "s"}}, "/aaa/bbb", "301"}, 42);
    expectPathCase({{{"Prefix", "/aaa/bbb", "s"}}, "/aaa/bbb/", "s"}, 43);
    expectPathCase({{{"Prefix", "/aaa/bbb", "s"}}, "/aaa/bbb/ccc", "s"}, 44);
    expectPathCase({{{"Prefix", "/aaa/bbb", "s"}}, "/aaa/bbbxyz", "404"}, 45);
    expectPathCase({{{"Prefix", "/", "r"}, {"Prefix", "/aaa", "a"}}, "/aaa/ccc", "a"}, 46);
    const std::vector<PathSpec> three = {
        {"Prefix", "/", "r"}, {"Prefix", "/aaa", "a"}, {"Prefix", "/aaa/bbb", "b"}};
    expectPathCase({three, "/aaa/bbb", "b"}, 47);
    expectPathCase({three, "/ccc", "r"}, 48);
    expectPathCase({{{"Prefix", "/foo", "p"}, {"Exact", "/foo", "e"}}, "/foo", "e"}, 50);
}

TEST(ConformancePathTypeTest, OrderOfPathsInTheManifestDoesNotMatter) {
    // conformance #47 with the paths listed longest first
    Lab lab(ingress("docs", "",
                    {{"Prefix", "/aaa/bbb", "b"}, {"Prefix", "/aaa", "a"}, {"Prefix", "/", "r"}}) +
            backends({"a", "b", "r"}));
    EXPECT_THAT(lab.get("http://x/aaa/bbb"), Forwards("b"));
    EXPECT_THAT(lab.get("http://x/aaa/bb"), Forwards("a"));
}

TEST(ConformancePathTypeTest, UnmatchedPathGoesToTheDefaultBackendOfTheHost) {
    // conformance #49. The documentation sends /ccc to d; ingress-nginx does not: the default
    // server "_" always exists, and only a rules-less Ingress replaces its default backend
    // (createServers), so host-less rules leave unmatched paths to the controller's 404 (§3 A10).
    Lab hostless(ingress("docs", "", {{"Prefix", "/aaa", "a"}}, {},
                         "  defaultBackend:\n    service: {name: d, port: {number: 80}}\n") +
                 backends({"a", "d"}));
    EXPECT_THAT(hostless.get("http://x/ccc"), Responds(404));
    EXPECT_THAT(hostless.get("http://x/aaa/x"), Forwards("a"));
    EXPECT_TRUE(hostless.hasFinding("ILAB-ROUTE-007")) << hostless.describeFindings();
    // With a host of its own, the Ingress's defaultBackend serves that host's unmatched paths.
    Lab hosted(ingress("docs", "docs.example", {{"Prefix", "/aaa", "a"}}, {},
                       "  defaultBackend:\n    service: {name: d, port: {number: 80}}\n") +
               backends({"a", "d"}));
    EXPECT_THAT(hosted.get("http://docs.example/ccc"), ForwardsWithPath("d", "/ccc"));
}

TEST(ConformancePathTypeTest, LongerPrefixWithTrailingSlashWinsForItsOwnPath) {
    // conformance #60: P /foo → a, P /foo/ → b; /foo/ goes to the longer rule.
    Lab lab(ingress("api", "", {{"Prefix", "/foo", "a"}, {"Prefix", "/foo/", "b"}}) +
            backends({"a", "b"}));
    EXPECT_THAT(lab.get("http://x/foo/"), Forwards("b"));
}

TEST(ConformancePathTypeTest, PrefixWrittenExactlyAsTheRequestPathWins) {
    // conformance #61, decided as ingress-nginx does (§3 A3): its "= /foo" location answers.
    Lab lab(ingress("api", "", {{"Prefix", "/foo", "a"}, {"Prefix", "/foo/", "b"}}) +
            backends({"a", "b"}));
    EXPECT_THAT(lab.get("http://x/foo"), Forwards("a"));
}

TEST(ConformancePathTypeTest, ExactBeatsALongerPrefix) {
    // conformance #62, decided as ingress-nginx and Gateway API do (§3 A4).
    Lab lab(ingress("api", "", {{"Prefix", "/foo/", "pre"}, {"Exact", "/foo", "ex"}}) +
            backends({"pre", "ex"}));
    EXPECT_THAT(lab.get("http://x/foo"), Forwards("ex"));
    EXPECT_THAT(lab.get("http://x/foo/"), Forwards("pre"));
}

TEST(ConformancePathTypeTest, QueryIsNotMatchedButForwarded) {
    // conformance #68
    Lab lab(ingress("api", "", {{"Exact", "/foo", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://x/foo?x=1"), ForwardsWithPath("s", "/foo?x=1"));
}

// ---------------------------------------------------------------------------------------------
// §2.3 documentation: hosts.

TEST(ConformanceHostRulesTest, DocumentationWildcardTable) {
    Lab lab(ingress("wild", "*.foo.com", {{"Prefix", "/", "w"}}) + backend("w"));
    EXPECT_THAT(lab.get("http://bar.foo.com/"), Forwards("w"));      // #51
    EXPECT_THAT(lab.get("http://baz.bar.foo.com/"), Responds(404));  // #52
    EXPECT_THAT(lab.get("http://foo.com/"), Responds(404));          // #53
}

const std::string kWildcardHostExample = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ingress-wildcard-host
spec:
  ingressClassName: nginx
  rules:
  - host: "foo.bar.com"
    http:
      paths:
      - pathType: Prefix
        path: "/bar"
        backend:
          service:
            name: service1
            port:
              number: 80
  - host: "*.foo.com"
    http:
      paths:
      - pathType: Prefix
        path: "/foo"
        backend:
          service:
            name: service2
            port:
              number: 80
)" + backends({"service1", "service2"});

TEST(ConformanceHostRulesTest, PreciseAndWildcardHostsHaveTheirOwnPaths) {
    Lab lab(kWildcardHostExample);
    EXPECT_THAT(lab.get("http://foo.bar.com/bar"), Forwards("service1"));  // #54
    EXPECT_THAT(lab.get("http://bar.foo.com/foo"), Forwards("service2"));  // #55
    EXPECT_THAT(lab.get("http://bar.foo.com/bar"), Responds(404));         // #56
}

const std::string kNameVirtualHost = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: name-virtual-host-ingress-no-third-host
spec:
  ingressClassName: nginx
  rules:
  - host: first.bar.com
    http:
      paths:
      - pathType: Prefix
        path: "/"
        backend:
          service:
            name: service1
            port:
              number: 80
  - host: second.bar.com
    http:
      paths:
      - pathType: Prefix
        path: "/"
        backend:
          service:
            name: service2
            port:
              number: 80
  - http:
      paths:
      - pathType: Prefix
        path: "/"
        backend:
          service:
            name: service3
            port:
              number: 80
)" + backends({"service1", "service2", "service3"});

TEST(ConformanceHostRulesTest, HostLessRuleCatchesEveryOtherHost) {
    Lab lab(kNameVirtualHost);
    EXPECT_THAT(lab.get("http://first.bar.com/"), Forwards("service1"));    // #57
    EXPECT_THAT(lab.get("http://second.bar.com/x"), Forwards("service2"));  // #58
    EXPECT_THAT(lab.get("http://other.example/"), Forwards("service3"));    // #59
    EXPECT_THAT(lab.get("/"), Forwards("service3"));                        // #59 HTTP/1.0, no Host
    EXPECT_THAT(lab.get("http://192.0.2.10/"), Forwards("service3"));       // #59 Host = LB IP
}

TEST(ConformanceHostRulesTest, PortInTheHostHeaderIsIgnored) {
    // conformance #66
    Lab lab(ingress("web", "foo.bar.com", {{"Prefix", "/", "s"}}) + backend("s"));
    const auto d = lab.get("http://foo.bar.com:8080/");
    EXPECT_THAT(d, Forwards("s"));
    EXPECT_EQ(d.upstream.host, "foo.bar.com:8080");  // the Host header goes upstream as sent
}

TEST(ConformanceHostRulesTest, HostIsMatchedCaseInsensitively) {
    // conformance #67
    Lab lab(ingress("web", "foo.bar.com", {{"Prefix", "/", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://FOO.Bar.com/"), Forwards("s"));
}

TEST(ConformanceHostRulesTest, NginxWildcardServerNameIsASingleLabel) {
    // conformance #122 (kubernetes/ingress-nginx#8438)
    Lab lab(ingress("omkar", "*.omkar-app.com", {{"Prefix", "/", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://a.omkar-app.com/"), Forwards("s"));
    EXPECT_THAT(lab.get("http://a.b.omkar-app.com/"), Responds(404));
}

// ---------------------------------------------------------------------------------------------
// §2.3 backends and TLS.

TEST(ConformanceBackendTest, ResourceBackendsAreSkippedByIngressNginx) {
    // conformance #63: ingress-nginx renders no location for a non-Service backend and ignores a
    // resource defaultBackend, so the request reaches its built-in default backend (404).
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ingress-resource-backend
spec:
  ingressClassName: nginx
  defaultBackend:
    resource:
      apiGroup: k8s.example.com
      kind: StorageBucket
      name: static-assets
  rules:
    - http:
        paths:
          - path: /icons
            pathType: ImplementationSpecific
            backend:
              resource:
                apiGroup: k8s.example.com
                kind: StorageBucket
                name: icon-assets
)");
    const auto d = lab.get("http://x/icons/a.png");
    EXPECT_THAT(d, Responds(404));
    EXPECT_THAT(lab.get("http://x/other"), Responds(404));
}

TEST(ConformanceTlsTest, TlsHostTerminatesWithItsSecret) {
    // conformance #64
    Lab lab(ingress("tls-example-ingress", "sslexample.foo.com", {{"Prefix", "/", "service1"}}, {},
                    "  tls:\n  - hosts: [sslexample.foo.com]\n    secretName: testsecret-tls\n") +
            backend("service1"));
    const routing::Server* server = lab.table().findServer("sslexample.foo.com");
    ASSERT_NE(server, nullptr);
    EXPECT_TRUE(server->tls);
    EXPECT_EQ(server->tls_secret, "default/testsecret-tls");
    EXPECT_THAT(lab.get("https://sslexample.foo.com/"), ForwardsWithPath("service1", "/"));
}

TEST(ConformanceTlsTest, HostHeaderPicksTheRouteWhateverTheCertificate) {
    // conformance #65: SNI a.com chose certificate A; Host b.com decides the route.
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: sni
spec:
  ingressClassName: nginx
  tls:
  - hosts: [a.com]
    secretName: a
  rules:
  - host: a.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: sa, port: {number: 80}}}}
  - host: b.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: sb, port: {number: 80}}}}
)" + backends({"sa", "sb"}));
    EXPECT_THAT(lab.get("https://b.com/"), Forwards("sb"));
    EXPECT_THAT(lab.get("https://a.com/"), Forwards("sa"));
    EXPECT_FALSE(lab.table().findServer("b.com")->tls);
    EXPECT_THAT(lab.get("http://b.com/"), Forwards("sb"));  // no TLS for b.com: no redirect
}

// ---------------------------------------------------------------------------------------------
// §2.5 ingress-nginx e2e behaviour.

TEST(ConformanceNginxTest, ExactAndPrefixOfTheSamePathFromTwoIngresses) {
    // conformance #97–#99 (pathtype_exact.go): A (oldest) Exact, B Prefix, C duplicate of B.
    Lab lab(ingress("a", "exact.path", {{"Exact", "/exact", "a"}}) +
            ingress("b", "exact.path", {{"Prefix", "/exact", "b"}}) +
            ingress("c", "exact.path", {{"Prefix", "/exact", "c"}}) + backends({"a", "b", "c"}));
    EXPECT_THAT(lab.get("http://exact.path/exact"), Forwards("a"));         // #97
    EXPECT_THAT(lab.get("http://exact.path/exact/suffix"), Forwards("b"));  // #98, #99
    const core::Diagnostic* duplicate = lab.finding("ILAB-ROUTE-001");
    ASSERT_NE(duplicate, nullptr) << lab.describeFindings();
    EXPECT_EQ(duplicate->object, "Ingress default/c");
}

TEST(ConformanceNginxTest, OldestIngressWinsByCreationTimestamp) {
    // conformance #99 with timestamps: C is listed first but created last.
    const std::string c = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: c
  creationTimestamp: "2024-03-01T00:00:00Z"
spec:
  ingressClassName: nginx
  rules:
  - host: exact.path
    http:
      paths:
      - {path: /exact, pathType: Prefix, backend: {service: {name: c, port: {number: 80}}}}
)";
    const std::string b = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: b
  creationTimestamp: "2024-01-01T00:00:00Z"
spec:
  ingressClassName: nginx
  rules:
  - host: exact.path
    http:
      paths:
      - {path: /exact, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}
)";
    Lab lab("---" + c + "---" + b + backends({"b", "c"}));
    EXPECT_THAT(lab.get("http://exact.path/exact/suffix"), Forwards("b"));
}

TEST(ConformanceNginxTest, MixedExactAndPrefixRootAcrossIngresses) {
    // conformance #100–#102 (pathtype_mixed.go)
    Lab lab(ingress("exact", "mixed.path", {{"Exact", "/", "x"}, {"Exact", "/foo", "xf"}}) +
            ingress("prefix", "mixed.path", {{"Prefix", "/", "p"}, {"Prefix", "/foo", "pf"}}) +
            backends({"x", "p", "xf", "pf"}));
    EXPECT_THAT(lab.get("http://mixed.path/"), Forwards("x"));          // #100
    EXPECT_THAT(lab.get("http://mixed.path/bar"), Forwards("p"));       // #101
    EXPECT_THAT(lab.get("http://mixed.path/foo"), Forwards("xf"));      // #102
    EXPECT_THAT(lab.get("http://mixed.path/foo/bar"), Forwards("pf"));  // #102
    EXPECT_THAT(lab.get("http://mixed.path/foobar"), Forwards("p"));    // #102
}

TEST(ConformanceNginxTest, PrefixPathTypeMatchesElements) {
    // conformance #103 (pathtype_prefix.go)
    Lab lab(ingress("prefix", "prefix.path", {{"Prefix", "/aaa", "s"}}) + backend("s"));
    EXPECT_THAT(lab.get("http://prefix.path/aaa"), Forwards("s"));
    EXPECT_THAT(lab.get("http://prefix.path/aaacccc"), Responds(404));
    EXPECT_THAT(lab.get("http://prefix.path/aaa/cccc"), Forwards("s"));
    EXPECT_THAT(lab.get("http://prefix.path/aaa/"), Forwards("s"));
}

TEST(ConformanceNginxTest, UseRegexPathIsAnchoredAtTheStartOnly) {
    // conformance #104
    Lab lab(ingress("regex", "prefix.path", {{"ImplementationSpecific", "/id/[0-9]+", "s"}},
                    {{"use-regex", "true"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://prefix.path/id/1"), Forwards("s"));
    EXPECT_THAT(lab.get("http://prefix.path/id/12"), Forwards("s"));
    EXPECT_THAT(lab.get("http://prefix.path/id/123"), Forwards("s"));
    EXPECT_THAT(lab.get("http://prefix.path/id/aaa"), Responds(404));
    EXPECT_THAT(lab.get("http://prefix.path/id/123a"), Forwards("s"));
}

TEST(ConformanceNginxTest, UseRegexPathWithDollarIsAnchoredAtBothEnds) {
    // conformance #105
    Lab lab(ingress("regex", "prefix.path", {{"ImplementationSpecific", "/id/[0-9]+$", "s"}},
                    {{"use-regex", "true"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://prefix.path/id/1"), Forwards("s"));
    EXPECT_THAT(lab.get("http://prefix.path/id/aaa"), Responds(404));
    EXPECT_THAT(lab.get("http://prefix.path/id/123a"), Responds(404));
}

TEST(ConformanceNginxTest, RewriteTargetUsesCaptureGroups) {
    // conformance #106 (docs/examples/rewrite)
    Lab lab(ingress("rewrite", "rewrite.bar.com",
                    {{"ImplementationSpecific", "/something(/|$)(.*)", "http-svc"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/$2"}}) +
            backend("http-svc"));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/something"), ForwardsWithPath("http-svc", "/"));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/something/"), ForwardsWithPath("http-svc", "/"));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/something/new"),
                ForwardsWithPath("http-svc", "/new"));
}

TEST(ConformanceNginxTest, RewriteTargetWithOneCapture) {
    // conformance #107
    Lab lab(ingress("rewrite", "rewrite.bar.com",
                    {{"ImplementationSpecific", "/foo/bar/(.+)", "s"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/new/backend/$1"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/foo/bar/bar"),
                ForwardsWithPath("s", "/new/backend/bar"));
}

TEST(ConformanceNginxTest, FirstMatchingRegexBeatsTheLongestLiteralPath) {
    // conformance #108: both render as regexes; /foo/bar/[a-z]{3} is longer and listed first.
    Lab lab(ingress("literal", "rewrite.bar.com", {{"Prefix", "/foo/bar/bar", "literal"}}) +
            ingress("regex", "rewrite.bar.com",
                    {{"ImplementationSpecific", "/foo/bar/[a-z]{3}", "regex"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/new/backend"}}) +
            backends({"literal", "regex"}));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/foo/bar/bar"),
                ForwardsWithPath("regex", "/new/backend"));
    EXPECT_TRUE(lab.table().findServer("rewrite.bar.com")->regex_mode);
}

TEST(ConformanceNginxTest, RegexModeSpreadsToThePlainIngressOfTheHost) {
    // conformance #109
    Lab lab(ingress("plain", "rewrite.bar.com", {{"Prefix", "/foo", "plain"}}) +
            ingress("regex", "rewrite.bar.com", {{"ImplementationSpecific", "/foo.+", "regex"}},
                    {{"use-regex", "true"}, {"rewrite-target", "/new/backend"}}) +
            backends({"plain", "regex"}));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/foo"), ForwardsWithPath("plain", "/foo"));
    EXPECT_THAT(lab.get("http://rewrite.bar.com/foo/bar"),
                ForwardsWithPath("regex", "/new/backend"));
}

TEST(ConformanceNginxTest, AppRootRedirectsTheRootWith302) {
    // conformance #110
    Lab lab(ingress("approot", "approot.bar.com", {{"Prefix", "/", "s"}}, {{"app-root", "/app1"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://approot.bar.com/"), Redirects(302, "http://approot.bar.com/app1"));
}

TEST(ConformanceNginxTest, ForceSslRedirectWithoutTlsDropsTheSlash) {
    // conformance #111
    Lab lab(ingress("force", "forcesslredirect.bar.com", {{"Prefix", "/", "s"}},
                    {{"force-ssl-redirect", "true"}}) +
            backend("s"));
    EXPECT_THAT(lab.get("http://forcesslredirect.bar.com/"),
                Redirects(308, "https://forcesslredirect.bar.com"));
}

TEST(ConformanceNginxTest, PreserveTrailingSlashKeepsTheSlash) {
    // conformance #112
    Lab lab(ingress("preserve", "h.example", {{"Prefix", "/", "s"}},
                    {{"preserve-trailing-slash", "true"}},
                    "  tls:\n  - hosts: [h.example]\n    secretName: h-tls\n") +
            backend("s"));
    EXPECT_THAT(lab.get("http://h.example/"), Redirects(308, "https://h.example/"));
}

TEST(ConformanceNginxTest, SslRedirectUsesTheForwardedHostWithoutItsPort) {
    // conformance #113 with use-forwarded-headers
    routing::CompileOptions options;
    options.use_forwarded_headers = true;
    Lab lab(ingress("tls", "h.example", {{"Prefix", "/", "s"}}, {},
                    "  tls:\n  - hosts: [h.example]\n    secretName: h-tls\n") +
                backend("s"),
            options);
    EXPECT_THAT(lab.get("http://h.example/", {{"X-Forwarded-Host", "example.com:80"}}),
                Redirects(308, "https://example.com"));
}

const std::string kCanaryMain = ingress("main", "foo", {{"Prefix", "/info", "main-svc"}});

std::string canaryIngress(const Annotations& annotations) {
    Annotations all = annotations;
    all["canary"] = "true";
    return ingress("canary", "foo", {{"Prefix", "/info", "canary-svc"}}, all);
}

TEST(ConformanceNginxTest, CanaryByHeaderAlwaysAndNever) {
    // conformance #114
    Lab lab(kCanaryMain + canaryIngress({{"canary-by-header", "CanaryByHeader"}}) +
            backends({"main-svc", "canary-svc"}));
    const auto always = lab.get("http://foo/info", {{"CanaryByHeader", "always"}});
    EXPECT_THAT(always, Forwards("canary-svc"));
    EXPECT_TRUE(always.canary);
    EXPECT_THAT(lab.get("http://foo/info", {{"CanaryByHeader", "never"}}), Forwards("main-svc"));
    EXPECT_THAT(lab.get("http://foo/info", {{"CanaryByHeader", "badheadervalue"}}),
                Forwards("main-svc"));
}

TEST(ConformanceNginxTest, CanaryByHeaderValue) {
    // conformance #115
    Lab lab(kCanaryMain +
            canaryIngress(
                {{"canary-by-header", "CanaryByHeader"}, {"canary-by-header-value", "DoCanary"}}) +
            backends({"main-svc", "canary-svc"}));
    EXPECT_THAT(lab.get("http://foo/info", {{"CanaryByHeader", "DoCanary"}}),
                Forwards("canary-svc"));
    EXPECT_THAT(lab.get("http://foo/info", {{"CanaryByHeader", "always"}}), Forwards("main-svc"));
}

TEST(ConformanceNginxTest, CanaryByCookie) {
    // conformance #116
    Lab lab(kCanaryMain + canaryIngress({{"canary-by-cookie", "Canary-By-Cookie"}}) +
            backends({"main-svc", "canary-svc"}));
    EXPECT_THAT(lab.get("http://foo/info", {{"Cookie", "Canary-By-Cookie=always"}}),
                Forwards("canary-svc"));
    EXPECT_THAT(lab.get("http://foo/info", {{"Cookie", "Canary-By-Cookie=never"}}),
                Forwards("main-svc"));
    EXPECT_THAT(lab.get("http://foo/info", {{"Cookie", "Canary-By-Cookie=other"}}),
                Forwards("main-svc"));
}

TEST(ConformanceNginxTest, CanaryWeightZeroNeverSelectsTheCanary) {
    // conformance #117
    Lab lab(kCanaryMain + canaryIngress({{"canary-weight", "0"}}) +
            backends({"main-svc", "canary-svc"}));
    core::SeededRandom random(7);
    for (int i = 0; i < 200; ++i)
        ASSERT_THAT(lab.send(request("GET", "http://foo/info"), random), Forwards("main-svc"));
}

TEST(ConformanceNginxTest, CanaryWithoutMainIngressIsNotFound) {
    // conformance #118
    Lab lab(canaryIngress({{"canary-by-header", "CanaryByHeader"}}) + backend("canary-svc"));
    EXPECT_THAT(lab.get("http://foo/info", {{"CanaryByHeader", "always"}}), Responds(404));
    EXPECT_TRUE(lab.hasFinding("ILAB-ROUTE-002")) << lab.describeFindings();
}

TEST(ConformanceNginxTest, MissingServiceAndServiceWithoutEndpointsAnswer503) {
    // conformance #119
    Lab missing(ingress("missing", "", {{"Prefix", "/", "nowhere"}}));
    EXPECT_THAT(missing.get("http://x/"), Responds(503));
    Lab empty(ingress("empty", "", {{"Prefix", "/", "s"}}) + backend("s", 80, 0));
    const auto d = empty.get("http://x/");
    EXPECT_THAT(d, Responds(503));
    EXPECT_EQ(d.reason, "no ready endpoints");
}

TEST(ConformanceNginxTest, HostWithoutHttpUsesTheIngressDefaultBackend) {
    // conformance #120 (without_host.go)
    Lab lab(R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: only-backend
spec:
  ingressClassName: nginx
  defaultBackend:
    service: {name: echo, port: {number: 80}}
  rules:
  - host: only-backend
)" + backend("echo"));
    EXPECT_THAT(lab.get("http://only-backend/"), ForwardsWithPath("echo", "/"));
    EXPECT_THAT(lab.get("http://only-backend-doesnotexist/"), Responds(404));
}

TEST(ConformanceNginxTest, NoIngressAtAllAnswers404Everywhere) {
    // conformance #121 (default_backend.go)
    Lab lab("");
    for (const char* method : {"GET", "POST"})
        for (const char* url : {"http://foo.bar.com/", "https://foo.bar.com/demo", "/", "/demo"}) {
            SCOPED_TRACE(std::string(method) + " " + url);
            EXPECT_THAT(lab.decide(method, url), Responds(404));
        }
    EXPECT_THAT(lab.decide("GET", "https:///demo"), Responds(404));
}

}  // namespace
}  // namespace ilab::test
