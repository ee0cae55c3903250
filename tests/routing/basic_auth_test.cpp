// The access phase's basic authentication as the decision core decides it, so `explain` and the
// live proxy give the same answer: the Secret resolved at compile time (ingress-nginx
// internal/ingress/annotations/auth/main.go), the credentials checked per request as nginx's
// auth_basic does (src/http/modules/ngx_http_auth_basic_module.c), the htpasswd findings
// located in the manifest, and the order of 503, 403 and 401.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/core/text.h"
#include "tests/support/fixtures.h"

namespace ilab::test {
namespace {

using ::testing::HasSubstr;

// "Basic base64(user:password)".
std::string basic(std::string_view user, std::string_view password) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string in = std::string(user) + ":" + std::string(password);
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const auto byte = [&](std::size_t k) {
            return k < in.size() ? static_cast<unsigned char>(in[k]) : 0u;
        };
        const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
    }
    return "Basic " + out;
}

const Annotations kBasic = {
    {"auth-type", "basic"}, {"auth-secret", "basic-auth"}, {"auth-realm", "test auth"}};

// A Secret at the start of the text: its `auth` block's first line is line 6, column 5.
std::string secret(std::string_view name, std::string_view auth_lines, std::string_view ns = "default",
                   std::string_view key = "auth") {
    std::string yaml = "apiVersion: v1\nkind: Secret\nmetadata: {name: " + std::string(name) +
                       ", namespace: " + std::string(ns) + "}\nstringData:\n  " +
                       std::string(key) + ": |\n";
    for (const std::string& line : core::split(auth_lines, '\n'))
        if (!line.empty()) yaml += "    " + line + "\n";
    return yaml + "---\n";
}

const char* kFooBar = "foo:$apr1$saltsalt$8ZVuJuE66YPuWXIA2kJ4D0";  // foo:myPassword

TEST(BasicAuthTest, NoCredentialsGet401WithTheRealm) {
    Lab lab(secret("basic-auth", kFooBar) + ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) +
            backend("web"));
    const routing::Decision d = lab.get("http://auth/");
    EXPECT_THAT(d, Responds(401));
    EXPECT_EQ(responseHeader(d, "WWW-Authenticate"), "Basic realm=\"test auth\"");
}

TEST(BasicAuthTest, TheDecisionChecksThePassword) {
    Lab lab(secret("basic-auth", kFooBar) + ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) +
            backend("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("foo", "myPassword")}}),
                Forwards("web"));
    for (const std::string& value :
         {basic("foo", "wrong"), basic("bob", "myPassword"), std::string("Bearer x"),
          std::string("Basic"), std::string("Basic Zm9v"), basic("", "myPassword")}) {
        const routing::Decision d = lab.get("http://auth/", {{"Authorization", value}});
        EXPECT_THAT(d, Responds(401)) << value;
        EXPECT_EQ(responseHeader(d, "WWW-Authenticate"), "Basic realm=\"test auth\"") << value;
    }
}

TEST(BasicAuthTest, ASecondAuthorizationHeaderIs400) {
    // nginx: "client sent duplicate header line" (Authorization is a unique header line), on
    // any location: no credentials can be checked while another set goes upstream.
    Lab lab(secret("basic-auth", kFooBar) +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) +
            ingress("open", "open.local", {{"Prefix", "/", "web"}}) + backend("web"));
    for (const char* url : {"http://auth/", "http://open.local/"}) {
        const routing::Decision d = lab.get(url, {{"Authorization", basic("foo", "myPassword")},
                                                  {"authorization", "Bearer other"}});
        EXPECT_THAT(d, Responds(400)) << url;
        EXPECT_THAT(d.reason, HasSubstr("duplicate header line: Authorization"));
    }
}

TEST(BasicAuthTest, TheFirstLineOfAUserDecides) {
    // nginx reads the file top to bottom and stops at the first line with the user's name.
    Lab routed(secret("basic-auth", "# comment\nfoo:{PLAIN}first\nfoo:{PLAIN}second\n") +
               ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) + backend("web"));
    EXPECT_THAT(routed.get("http://auth/", {{"Authorization", basic("foo", "first")}}),
                Forwards("web"));
    EXPECT_THAT(routed.get("http://auth/", {{"Authorization", basic("foo", "second")}}),
                Responds(401));
    const core::Diagnostic* shadowed = routed.finding("ILAB-AUTH-004");
    ASSERT_NE(shadowed, nullptr) << routed.describeFindings();
    EXPECT_EQ(shadowed->location.str(), "test.yaml:8:5");
}

TEST(BasicAuthTest, AMissingSecretDeniesTheLocation) {
    // X01.
    Lab lab(ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) + backend("web"));
    const routing::Decision d = lab.get("http://auth/", {{"Authorization", basic("foo", "bar")}});
    EXPECT_THAT(d, Responds(503));
    EXPECT_THAT(d.reason, HasSubstr("default/basic-auth"));
    const core::Diagnostic* missing = lab.finding("ILAB-AUTH-001");
    ASSERT_NE(missing, nullptr) << lab.describeFindings();
    EXPECT_EQ(missing->severity, core::Severity::Error);
}

TEST(BasicAuthTest, ASecretWithoutAnAuthKeyDeniesTheLocation) {
    Lab lab(secret("basic-auth", kFooBar, "default", "htpasswd") +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) + backend("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("foo", "myPassword")}}),
                Responds(503));
    EXPECT_TRUE(lab.hasFinding("ILAB-AUTH-001")) << lab.describeFindings();
}

TEST(BasicAuthTest, ASecretInAnotherNamespaceDeniesTheLocation) {
    Annotations cross = kBasic;
    cross["auth-secret"] = "vault/basic-auth";
    Lab lab(secret("basic-auth", kFooBar, "vault") +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, cross) + backend("web"));
    const routing::Decision d =
        lab.get("http://auth/", {{"Authorization", basic("foo", "myPassword")}});
    EXPECT_THAT(d, Responds(503));
    EXPECT_THAT(d.reason, HasSubstr("allow-cross-namespace-resources"));
}

TEST(BasicAuthTest, AnAuthMapHoldsOneUserPerKey) {
    // X03.
    Annotations map = kBasic;
    map["auth-secret-type"] = "auth-map";
    Lab lab(std::string("apiVersion: v1\nkind: Secret\nmetadata: {name: basic-auth}\nstringData:\n"
                        "  foo: $apr1$saltsalt$8ZVuJuE66YPuWXIA2kJ4D0\n"
                        "  bar: '{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE='\n---\n") +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, map) + backend("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("foo", "myPassword")}}),
                Forwards("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("bar", "myPassword")}}),
                Forwards("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("bar", "bar")}}), Responds(401));
}

TEST(BasicAuthTest, AMalformedLineIsALocatedFindingAndNeverLetsAnyoneIn) {
    // X04: "foo:" has no hash.
    Lab lab(secret("basic-auth", "bar:{PLAIN}ok\nfoo:\nno-colon\n") +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) + backend("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("foo", "")}}), Responds(401));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("foo", "x")}}), Responds(401));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("bar", "ok")}}), Forwards("web"));
    std::vector<std::string> where;
    for (const auto& d : lab.findings().items())
        if (d.code == "ILAB-AUTH-002") where.push_back(d.location.str());
    EXPECT_THAT(where, ::testing::ElementsAre("test.yaml:7:9", "test.yaml:8:5"))
        << lab.describeFindings();
}

TEST(BasicAuthTest, AHashTheControllerCannotCheckIsAFindingAndA401) {
    // yescrypt: Debian's libxcrypt knows it, the controller image's musl crypt() does not.
    Lab lab(secret("basic-auth",
                   "foo:$y$j9T$abcdefghijklmnop$K57AyUOg/L3tE8iYLVfLKVD58/uz01EBweroXVPWPT1\n") +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, kBasic) + backend("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("foo", "myPassword")}}),
                Responds(401));
    const core::Diagnostic* unsupported = lab.finding("ILAB-AUTH-003");
    ASSERT_NE(unsupported, nullptr) << lab.describeFindings();
    EXPECT_EQ(unsupported->location.str(), "test.yaml:6:9");
}

TEST(BasicAuthTest, A401OnACorsLocationCarriesTheCorsHeaders) {
    // X05.
    Annotations cors = kBasic;
    cors["enable-cors"] = "true";
    Lab lab(secret("basic-auth", kFooBar) + ingress("app", "auth", {{"Prefix", "/", "web"}}, cors) +
            backend("web"));
    const routing::Decision d = lab.get("http://auth/");
    EXPECT_THAT(d, Responds(401));
    EXPECT_EQ(responseHeader(d, "Access-Control-Allow-Origin"), "*");
    // A preflight skips authentication: the rewrite phase answers it (nginx.tmpl's `if ($request_method = 'OPTIONS')` block of the CORS location).
    EXPECT_THAT(lab.decide("OPTIONS", "http://auth/", {{"Origin", "https://a.example"}}),
                Responds(204));
}

TEST(BasicAuthTest, TheAllowListAnswersBeforeAuthentication) {
    Annotations listed = kBasic;
    listed["allowlist-source-range"] = "10.0.0.0/8";
    Lab lab(secret("basic-auth", kFooBar) +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, listed) + backend("web"));
    EXPECT_THAT(lab.get("http://auth/", {{"Authorization", basic("foo", "myPassword")}}),
                Responds(403));
}

TEST(BasicAuthTest, WithoutEndpointsThe503ComesBeforeTheAccessPhase) {
    // ingress-nginx's balancer.lua rewrite() exits 503 in nginx's rewrite phase when the
    // backend has no endpoints: before limit_req (preaccess), allow/deny and auth_basic (access).
    Annotations listed = kBasic;
    listed["allowlist-source-range"] = "10.0.0.0/8";
    Lab lab(secret("basic-auth", kFooBar) +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, listed) + backend("web", 80, 0));
    const routing::Decision d = lab.get("http://auth/");
    EXPECT_THAT(d, Responds(503));
    EXPECT_FALSE(d.reached_access_phase);
}

TEST(BasicAuthTest, DigestIsDeniedAndSaysItIsNotSimulated) {
    Annotations digest = kBasic;
    digest["auth-type"] = "digest";
    Lab lab(secret("basic-auth", "foo:test auth:0b5b8ea8d0f3e3e2d7b1e0c7b3b2f6d1\n") +
            ingress("app", "auth", {{"Prefix", "/", "web"}}, digest) + backend("web"));
    const routing::Decision d = lab.get(
        "http://auth/", {{"Authorization", "Digest username=\"foo\", response=\"x\""}});
    EXPECT_THAT(d, Responds(401));
    EXPECT_THAT(responseHeader(d, "WWW-Authenticate"), ::testing::StartsWith("Digest "));
    EXPECT_TRUE(lab.hasFinding("ILAB-AUTH-005")) << lab.describeFindings();
}

TEST(BasicAuthTest, IngressesSharingAnnotationsKeepTheirOwnSecrets) {
    // The compiler shares one IngressPolicies between Ingresses with the same annotations; the
    // Secret each resolves in its own namespace must not be shared with it.
    const std::string a = secret("basic-auth", "foo:{PLAIN}alpha\n", "team-a");
    const std::string b = secret("basic-auth", "foo:{PLAIN}beta\n", "team-b");
    auto in = [](std::string_view ns, std::string_view host) {
        std::string yaml = ingress("app", host, {{"Prefix", "/", "web"}}, kBasic);
        return yaml.replace(yaml.find("name: app"), 9, "name: app\n  namespace: " + std::string(ns));
    };
    Lab lab(a + b + in("team-a", "a.local") + in("team-b", "b.local") +
            backend("web", 80, 1, "team-a") + backend("web", 80, 1, "team-b"));
    EXPECT_THAT(lab.get("http://a.local/", {{"Authorization", basic("foo", "alpha")}}),
                Forwards("web"));
    EXPECT_THAT(lab.get("http://a.local/", {{"Authorization", basic("foo", "beta")}}),
                Responds(401));
    EXPECT_THAT(lab.get("http://b.local/", {{"Authorization", basic("foo", "beta")}}),
                Forwards("web"));
    EXPECT_THAT(lab.get("http://b.local/", {{"Authorization", basic("foo", "alpha")}}),
                Responds(401));
}

TEST(BasicAuthTest, TheRootLocationOfTheHostChecksCredentialsToo) {
    // A path no rule matches falls to the server's root location, built from the Ingress that
    // defined the host, with its annotations (ingress-nginx createServers).
    Lab lab(secret("basic-auth", kFooBar) + ingress("app", "auth", {{"Prefix", "/api", "web"}}, kBasic,
                                                    "  defaultBackend:\n    service: {name: web, "
                                                    "port: {number: 80}}\n") +
            backend("web"));
    EXPECT_THAT(lab.get("http://auth/other", {{"Authorization", basic("foo", "nope")}}),
                Responds(401));
    EXPECT_THAT(lab.get("http://auth/other", {{"Authorization", basic("foo", "myPassword")}}),
                Forwards("web"));
}

}  // namespace
}  // namespace ilab::test
