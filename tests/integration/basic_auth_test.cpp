// Basic and digest authentication through the live proxy, over real loopback sockets: the
// ingress-nginx e2e cases of test/e2e/annotations/auth.go (its 401 and 503 cases), each hash format
// nginx accepts, the upstream never seeing Authorization, $remote_user in the request events,
// and which of 503, 403 and 401 a request without endpoints gets.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/core/text.h"
#include "engine/lab/lab.h"
#include "tests/support/http_client.h"

namespace ilab::lab {
namespace {

using testing::HttpConnection;
using testing::HttpResponse;
using testing::httpGet;
using Headers = std::vector<std::pair<std::string, std::string>>;

// "Basic base64(user:password)", as curl -u sends it.
std::string basic(const std::string& user, const std::string& password) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string in = user + ":" + password;
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

std::string backend(const std::string& name, int replicas = 1, const std::string& ns = "default") {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: " + ns +
           "}\nspec:\n  selector: {app: " + name +
           "}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n---\n"
           "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
           ", namespace: " + ns + "}\nspec:\n  replicas: " + std::to_string(replicas) +
           "\n  selector: {matchLabels: {app: " + name +
           "}}\n  template:\n    metadata: {labels: {app: " + name +
           "}}\n    spec: {containers: [{name: app, ports: [{containerPort: 8080}]}]}\n---\n";
}

// An Ingress for host "auth" (as the e2e tests use) with path "/" to Service `service`.
std::string ingress(const std::string& annotations, const std::string& service = "web",
                    const std::string& ns = "default") {
    return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: auth\n"
           "  namespace: " + ns + "\n  annotations:\n" + annotations +
           "spec:\n  ingressClassName: nginx\n  rules:\n  - host: auth\n    http:\n      paths:\n"
           "      - path: /\n        pathType: Prefix\n        backend:\n"
           "          service: {name: " + service + ", port: {number: 80}}\n---\n";
}

std::string annotation(const std::string& name, const std::string& value) {
    return "    nginx.ingress.kubernetes.io/" + name + ": \"" + value + "\"\n";
}

// The e2e tests' basic-auth Ingress: auth-type basic, Secret `secret`, realm "test auth".
std::string basicAuth(const std::string& secret = "basic-auth") {
    return annotation("auth-type", "basic") + annotation("auth-secret", secret) +
           annotation("auth-realm", "test auth");
}

// A Secret whose stringData holds `lines` under `key` as a literal block.
std::string secret(const std::string& name, const std::vector<std::string>& lines,
                   const std::string& key = "auth", const std::string& ns = "default") {
    std::string yaml = "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name +
                       ", namespace: " + ns + "}\ntype: Opaque\nstringData:\n  " + key + ": |\n";
    for (const std::string& line : lines)
        yaml += "    " + line + "\n";
    return yaml + "---\n";
}

// foo:bar as Go's bcrypt writes it in the e2e tests (cost 5 here to keep the test fast).
const std::string kFooBar = "foo:$2y$05$u4PxY/m4J4W5sZAi3EzXB.G9f2QmX3LIzEdsIaW0JP41GQC0aCalW";

class BasicAuthTest : public ::testing::Test {
  protected:
    void start(const std::string& manifests) {
        LabOptions options;
        options.http = {"127.0.0.1", 0};
        options.cluster.ephemeral_ports = true;
        options.cluster.seed = 7;
        options.proxy.seed = 7;
        core::Diagnostics diagnostics;
        lab_ = Lab::startFromText(manifests, options, diagnostics);
        ASSERT_NE(lab_, nullptr);
        // A Secret the location cannot use is an error finding (ILAB-AUTH-001), and serves 503.
        for (const auto& d : diagnostics.items()) {
            if (d.severity == core::Severity::Error) {
                ASSERT_THAT(d.code, ::testing::StartsWith("ILAB-AUTH-"))
                    << core::formatDiagnostic(d);
            }
        }
        port_ = lab_->httpPort();
        ASSERT_NE(port_, 0);
    }

    HttpResponse get(Headers headers = {}, const std::string& target = "/") {
        auto response = httpGet(port_, "auth", target, std::move(headers));
        EXPECT_TRUE(response);
        return response ? *response : HttpResponse{};
    }

    std::unique_ptr<Lab> lab_;
    std::uint16_t port_ = 0;
};

// Does the echo pod's JSON say it received a header of this name (any case)?
bool podReceived(const HttpResponse& response, const std::string& name) {
    const auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (!j.is_object() || !j.contains("headers")) return false;
    for (const auto& [key, value] : j["headers"].items())
        if (core::iequals(key, name)) return true;
    return false;
}

TEST_F(BasicAuthTest, AMissingSecretDeniesTheLocationWith503) {
    // X01: "should return status code 503 when authentication is configured with an invalid
    // secret".
    start(ingress(basicAuth("something")) + backend("web"));
    const HttpResponse none = get();
    EXPECT_EQ(none.status, 503);
    EXPECT_THAT(none.body, ::testing::HasSubstr("503 Service Temporarily Unavailable"));
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 503);
}

TEST_F(BasicAuthTest, ASecretWithoutAnAuthKeyDeniesTheLocationWith503) {
    start(ingress(basicAuth()) + secret("basic-auth", {kFooBar}, "users") + backend("web"));
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 503);
}

TEST_F(BasicAuthTest, ASecretInAnotherNamespaceDeniesTheLocationWith503) {
    // allow-cross-namespace-resources is false by default (ingress-nginx v1.15).
    start(ingress(basicAuth("other/basic-auth")) + secret("basic-auth", {kFooBar}, "auth", "other") +
          backend("web"));
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 503);
}

TEST_F(BasicAuthTest, NoCredentialsGet401WithTheRealm) {
    // X02, first request.
    start(ingress(basicAuth()) + secret("basic-auth", {kFooBar}) + backend("web"));
    const HttpResponse none = get();
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.header("www-authenticate"), "Basic realm=\"test auth\"");
    EXPECT_THAT(none.body, ::testing::HasSubstr("401 Authorization Required"));
}

TEST_F(BasicAuthTest, WrongCredentialsGet401AndRightOnesReachThePod) {
    // X02: wrong user:pass 401, foo:bar 200. Before the fix any Authorization got 200.
    start(ingress(basicAuth()) + secret("basic-auth", {kFooBar}) + backend("web"));
    const HttpResponse wrong_password = get({{"Authorization", basic("foo", "baz")}});
    EXPECT_EQ(wrong_password.status, 401);
    EXPECT_EQ(wrong_password.header("www-authenticate"), "Basic realm=\"test auth\"");
    EXPECT_EQ(get({{"Authorization", basic("user", "pass")}}).status, 401);   // unknown user
    EXPECT_EQ(get({{"Authorization", "Bearer x"}}).status, 401);              // not Basic
    EXPECT_EQ(get({{"Authorization", "Basic !!!"}}).status, 401);             // not base64
    EXPECT_EQ(get({{"Authorization", basic("foo", "")}}).status, 401);
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 200);
    EXPECT_EQ(get({{"Authorization", "bAsIc   Zm9vOmJhcg=="}}).status, 200);  // as nginx parses
}

TEST_F(BasicAuthTest, TwoAuthorizationHeadersGet400) {
    // nginx refuses a duplicate Authorization line: one could be checked, the other forwarded.
    start(ingress(basicAuth()) + secret("basic-auth", {kFooBar}) + backend("web"));
    const HttpResponse twice =
        get({{"Authorization", basic("foo", "bar")}, {"Authorization", "Bearer admin-token"}});
    EXPECT_EQ(twice.status, 400);
}

TEST_F(BasicAuthTest, AnAuthMapSecretHasOneKeyPerUser) {
    // X03: auth-secret-type auth-map.
    start(ingress(basicAuth() + annotation("auth-secret-type", "auth-map")) +
          "apiVersion: v1\nkind: Secret\nmetadata: {name: basic-auth}\nstringData:\n"
          "  foo: $2y$05$u4PxY/m4J4W5sZAi3EzXB.G9f2QmX3LIzEdsIaW0JP41GQC0aCalW\n"
          "  ann: '{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE='\n---\n" +
          backend("web"));
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 200);
    EXPECT_EQ(get({{"Authorization", basic("ann", "myPassword")}}).status, 200);
    EXPECT_EQ(get({{"Authorization", basic("ann", "bar")}}).status, 401);
    EXPECT_EQ(get().status, 401);
}

TEST_F(BasicAuthTest, InvalidHtpasswdContentNeverLetsAnyoneIn) {
    // X04: the Secret's auth is "foo:" (no hash): correct-looking credentials get 401.
    start(ingress(basicAuth()) + secret("basic-auth", {"foo:"}) + backend("web"));
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 401);
    EXPECT_EQ(get({{"Authorization", basic("foo", "")}}).status, 401);
}

TEST_F(BasicAuthTest, A401OnACorsLocationCarriesTheCorsHeaders) {
    // X05: "should return status code 401 and cors headers when authentication and cors is
    // configured but Authorization header is not configured".
    start(ingress(basicAuth() + annotation("enable-cors", "true")) +
          secret("basic-auth", {kFooBar}) + backend("web"));
    const HttpResponse none = get();
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.header("access-control-allow-origin"), "*");
    const HttpResponse wrong = get({{"Authorization", basic("foo", "nope")}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.header("access-control-allow-origin"), "*");
}

TEST_F(BasicAuthTest, ThePodNeverSeesTheCredentials) {
    // X06: nginx.tmpl renders proxy_set_header Authorization "" in a basic-auth location.
    start(ingress(basicAuth()) + secret("basic-auth", {kFooBar}) + backend("web"));
    const HttpResponse ok = get({{"Authorization", basic("foo", "bar")}});
    ASSERT_EQ(ok.status, 200);
    EXPECT_FALSE(podReceived(ok, "Authorization")) << ok.body;
    EXPECT_TRUE(podReceived(ok, "X-Request-ID")) << ok.body;
}

TEST_F(BasicAuthTest, AnUnprotectedLocationStillPassesAuthorizationOn) {
    start(ingress(annotation("enable-cors", "true")) + backend("web"));
    const HttpResponse ok = get({{"Authorization", "Bearer token"}});
    ASSERT_EQ(ok.status, 200);
    EXPECT_TRUE(podReceived(ok, "Authorization")) << ok.body;
}

TEST_F(BasicAuthTest, EveryHashFormatNginxAcceptsChecksThePassword) {
    // The password "myPassword" under each format: nginx's own ($apr1$, {PLAIN}, {SHA},
    // {SSHA}) and crypt(3)'s (bcrypt, $1$, $5$, $6$, DES).
    start(ingress(basicAuth()) +
          secret("basic-auth",
                 {"apr1:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",
                  "plain:{PLAIN}myPassword",
                  "sha:{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=",
                  "ssha:{SSHA}24aTXnNgujT0E47G63zGchciQvQBAgMEYWJjZA==",
                  "bcrypt:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC",
                  "md5:$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0",
                  "sha256:$5$saltsalt$OJSxPe6LHaPuWqFjBl/xMCCyk7DWOlte4cPNgCdIbwD",
                  "sha512:$6$saltsalt$REpTllT9/S/gg33eAxbXKSVehttBRbY4OJ0jTp669YREedbYCJp8tD90Lct"
                  "evwvdnnuZN0qTJQVuUqDzHImPf1",
                  "des:rqXexS6ZhobKA"}) +
          backend("web"));
    for (const char* user : {"apr1", "plain", "sha", "ssha", "bcrypt", "md5", "sha256", "sha512",
                             "des"}) {
        EXPECT_EQ(get({{"Authorization", basic(user, "myPassword")}}).status, 200) << user;
        // Not "myPassword!": DES reads only the first 8 characters.
        EXPECT_EQ(get({{"Authorization", basic(user, "MyPassword")}}).status, 401) << user;
    }
}

TEST_F(BasicAuthTest, DigestIsNeverLetThroughWithoutCheckedCredentials) {
    // The lab does not simulate RFC 2617 digest (nginx-http-auth-digest): it denies.
    start(ingress(annotation("auth-type", "digest") + annotation("auth-secret", "basic-auth") +
                  annotation("auth-realm", "test auth")) +
          secret("basic-auth", {"foo:test auth:b1e4fe2b1c1e4e3f8b2dc62c3b54fce4"}) + backend("web"));
    const HttpResponse none = get();
    EXPECT_EQ(none.status, 401);
    EXPECT_THAT(none.header("www-authenticate"), ::testing::StartsWith("Digest "));
    EXPECT_EQ(get({{"Authorization", "Digest username=\"foo\", realm=\"test auth\", nonce=\"x\", "
                                     "uri=\"/\", response=\"0\""}})
                  .status,
              401);
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 401);
}

TEST_F(BasicAuthTest, TheRequestEventCarriesTheUserAsRemoteUser) {
    // nginx's $remote_user: the user name of a decodable Basic Authorization header.
    start(ingress(basicAuth()) + secret("basic-auth", {kFooBar}) + backend("web"));
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::pair<int, std::string>> seen;  // status, remote_user
    const auto id = lab_->telemetry().subscribe([&](const telemetry::Delivery& d) {
        std::lock_guard lock(mutex);
        for (const auto& batch : d.batches)
            for (const auto& e : batch->events)
                seen.emplace_back(e.status, e.remote_user);
        arrived.notify_all();
    });
    EXPECT_EQ(get({{"Authorization", basic("foo", "bar")}}).status, 200);
    EXPECT_EQ(get({{"Authorization", basic("mallory", "guess")}}).status, 401);
    EXPECT_EQ(get().status, 401);
    {
        std::unique_lock lock(mutex);
        arrived.wait_for(lock, std::chrono::seconds(5), [&] { return seen.size() >= 3; });
    }
    lab_->telemetry().unsubscribe(id);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], (std::pair<int, std::string>{200, "foo"}));
    EXPECT_EQ(seen[1], (std::pair<int, std::string>{401, "mallory"}));
    EXPECT_EQ(seen[2], (std::pair<int, std::string>{401, ""}));
}

TEST_F(BasicAuthTest, CredentialsAreCheckedOnEveryRequestOfAKeptAliveConnection) {
    start(ingress(basicAuth()) + secret("basic-auth", {kFooBar}) + backend("web"));
    HttpConnection connection("127.0.0.1", port_);
    const Headers good = {{"Host", "auth"}, {"Authorization", basic("foo", "bar")}};
    const Headers bad = {{"Host", "auth"}, {"Authorization", basic("foo", "baz")}};
    for (const auto& [headers, status] :
         std::vector<std::pair<Headers, int>>{{good, 200}, {bad, 401}, {good, 200}, {bad, 401}}) {
        auto response = connection.request("GET", "/", headers);
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, status);
    }
}

TEST_F(BasicAuthTest, WithoutEndpointsTheBalancers503ComesBeforeTheAccessPhase) {
    // ingress-nginx answers "no endpoints" in the rewrite phase (rootfs/etc/nginx/lua/
    // balancer.lua rewrite(), called from ngx_rewrite.lua by rewrite_by_lua_file), before
    // nginx's access phase where allow/deny (403) and auth_basic (401) run.
    start(ingress(basicAuth() + annotation("allowlist-source-range", "10.0.0.0/8")) +
          secret("basic-auth", {kFooBar}) + backend("web", 0));
    EXPECT_EQ(get().status, 503);
    EXPECT_EQ(get({{"Authorization", basic("foo", "baz")}}).status, 503);
}

}  // namespace
}  // namespace ilab::lab
