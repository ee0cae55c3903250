// The live lab end to end: real loopback sockets between a client, the proxy and the pods.
#include "engine/lab/lab.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/http_client.h"

namespace ilab::lab {
namespace {

using testing::HttpConnection;
using testing::httpGet;

std::string backend(const std::string& name, int replicas = 1,
                    const std::string& extra_labels = "") {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
           "}\nspec:\n  selector: {app: " + name +
           "}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n---\napiVersion: "
           "apps/v1\nkind: Deployment\n"
           "metadata: {name: " +
           name + "}\nspec:\n  replicas: " + std::to_string(replicas) +
           "\n  selector: {matchLabels: {app: " + name +
           "}}\n  template:\n    metadata: {labels: {app: " + name + extra_labels +
           "}}\n    spec: {containers: [{name: app, ports: [{containerPort: 8080}]}]}\n---\n";
}

std::string ingress(const std::string& name, const std::string& host, const std::string& path,
                    const std::string& service, const std::string& annotations = "{}",
                    const std::string& extra_spec = "") {
    return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name +
           "\n  annotations: " + annotations + "\nspec:\n  ingressClassName: nginx\n" + extra_spec +
           "  rules:\n  - host: " + host + "\n    http:\n      paths:\n      - path: " + path +
           "\n        pathType: Prefix\n        backend:\n"
           "          service: {name: " +
           service + ", port: {number: 80}}\n---\n";
}

// nginx-annotations C14/C15: Service web behind cookie affinity ("aff") and a canary web-v2
// that `ForceCanary: yes` selects, with the given weight and further canary annotations.
std::string affinityCanary(const std::string& weight, const std::string& canary_extra,
                           int replicas) {
    return ingress("main", "shop.local", "/", "web",
                   "{nginx.ingress.kubernetes.io/affinity: cookie, "
                   "nginx.ingress.kubernetes.io/session-cookie-name: aff}") +
           ingress("canary", "shop.local", "/", "web-v2",
                   "{nginx.ingress.kubernetes.io/canary: \"true\", "
                   "nginx.ingress.kubernetes.io/canary-by-header: ForceCanary, "
                   "nginx.ingress.kubernetes.io/canary-by-header-value: \"yes\", "
                   "nginx.ingress.kubernetes.io/canary-weight: \"" +
                       weight + "\"" + canary_extra + "}") +
           backend("web", replicas) + backend("web-v2", replicas);
}

// A Service without selector and its EndpointSlice, pointing at a process outside the cluster
// on 127.0.0.1:port.
std::string serviceOutsideTheCluster(const std::string& name, std::uint16_t port) {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
           "}\nspec:\n  ports: [{name: http, port: 80}]\n---\n"
           "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " +
           name + "-1\n  labels: {kubernetes.io/service-name: " + name +
           "}\naddressType: IPv4\nendpoints: [{addresses: [127.0.0.1]}]\n"
           "ports: [{name: http, port: " +
           std::to_string(port) + "}]\n---\n";
}

// A listening loopback socket on a free port.
int listenOnLoopback(std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
}

// An upstream outside the cluster that answers every request with the same bytes and closes:
// for framings the simulated pods never use (chunked, delimited by close).
class CannedUpstream {
  public:
    explicit CannedUpstream(std::string response) : response_(std::move(response)) {
        fd_ = listenOnLoopback(port_);
        thread_ = std::thread([this] {
            while (true) {
                const int client = ::accept(fd_, nullptr, nullptr);
                if (client < 0) return;
                std::string request;
                char buffer[4096];
                while (request.find("\r\n\r\n") == std::string::npos) {
                    const auto n = ::recv(client, buffer, sizeof buffer, 0);
                    if (n <= 0) break;
                    request.append(buffer, static_cast<std::size_t>(n));
                }
                ::send(client, response_.data(), response_.size(), MSG_NOSIGNAL);
                ::close(client);
            }
        });
    }
    ~CannedUpstream() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    // A Service without selector and its EndpointSlice, pointing here.
    std::string manifests(const std::string& name) const {
        return serviceOutsideTheCluster(name, port_);
    }

  private:
    std::string response_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

// An upstream outside the cluster that counts request body bytes as they arrive, so a test can
// wait until the pod has seen part of a body the client has not finished sending. Once the
// body is complete (its Content-Length, or the last chunk) it answers 200 with the number of
// body bytes it read, framing included, and closes.
class RecordingUpstream {
  public:
    RecordingUpstream() {
        fd_ = listenOnLoopback(port_);
        thread_ = std::thread([this] { serve(); });
    }
    ~RecordingUpstream() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    std::string manifests(const std::string& name) const {
        return serviceOutsideTheCluster(name, port_);
    }
    // Forgets the last request's body: the next wait is for the next request.
    void forget() {
        std::lock_guard lock(mutex_);
        body_bytes_ = 0;
    }
    // True once the request being read has at least `bytes` body bytes here.
    bool waitForBodyBytes(std::size_t bytes, std::chrono::seconds deadline) {
        std::unique_lock lock(mutex_);
        return seen_.wait_for(lock, deadline, [&] { return body_bytes_ >= bytes; });
    }

  private:
    void serve() {
        while (true) {
            const int client = ::accept(fd_, nullptr, nullptr);
            if (client < 0) return;
            {
                std::lock_guard lock(mutex_);
                body_bytes_ = 0;
            }
            std::string data;
            std::size_t head_end = std::string::npos, length = 0;
            bool chunked = false;
            char buffer[65536];
            while (true) {
                const auto n = ::recv(client, buffer, sizeof buffer, 0);
                if (n <= 0) break;
                data.append(buffer, static_cast<std::size_t>(n));
                if (head_end == std::string::npos) {
                    head_end = data.find("\r\n\r\n");
                    if (head_end == std::string::npos) continue;
                    head_end += 4;
                    std::string head = data.substr(0, head_end);
                    std::transform(head.begin(), head.end(), head.begin(),
                                   [](unsigned char c) { return std::tolower(c); });
                    chunked = head.find("transfer-encoding: chunked") != std::string::npos;
                    if (const auto at = head.find("content-length: "); at != std::string::npos)
                        length = std::stoul(head.substr(at + 16));
                }
                const std::size_t body = data.size() - head_end;
                {
                    std::lock_guard lock(mutex_);
                    body_bytes_ = body;
                }
                seen_.notify_all();
                if (chunked ? data.ends_with("0\r\n\r\n") : body >= length) break;
            }
            const std::string answer = "{\"body_bytes\": " + std::to_string(body_bytes_) + "}";
            const std::string response =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: " +
                std::to_string(answer.size()) + "\r\nConnection: close\r\n\r\n" + answer;
            ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
            ::close(client);
        }
    }

    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable seen_;
    std::size_t body_bytes_ = 0;
};

// A client that sends a request in parts: a blocking loopback socket with a receive deadline.
class PartialClient {
  public:
    explicit PartialClient(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval timeout{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~PartialClient() { ::close(fd_); }
    bool send(const std::string& bytes) {
        std::size_t sent = 0;
        while (connected_ && sent < bytes.size()) {
            const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return connected_;
    }
    // Everything until the server closes (the request asked for Connection: close).
    std::string readUntilClosed() {
        std::string out;
        char buffer[16384];
        while (true) {
            const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

class LabTest : public ::testing::Test {
  protected:
    void start(const std::string& manifests, std::uint64_t seed = 7) {
        LabOptions options;
        options.http = {"127.0.0.1", 0};
        options.cluster.ephemeral_ports = true;
        options.cluster.seed = seed;
        options.proxy.seed = seed;
        options.proxy.limits.header_timeout = std::chrono::milliseconds(400);
        options.admin = proxy::ListenerSpec{"127.0.0.1", 0};
        core::Diagnostics diagnostics;
        lab_ = Lab::startFromText(manifests, options, diagnostics);
        ASSERT_NE(lab_, nullptr);
        ASSERT_FALSE(diagnostics.hasErrors()) << core::formatDiagnostic(diagnostics.items()[0]);
        port_ = lab_->httpPort();
        ASSERT_NE(port_, 0);
    }

    nlohmann::json echo(const std::string& host, const std::string& target,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
        auto response = httpGet(port_, host, target, std::move(headers));
        EXPECT_TRUE(response);
        if (!response) return {};
        EXPECT_EQ(response->status, 200) << response->body;
        return nlohmann::json::parse(response->body, nullptr, false);
    }

    std::unique_ptr<Lab> lab_;
    std::uint16_t port_ = 0;
};

TEST_F(LabTest, RoutesByHostAndPathToAPodThatSaysWhoItIs) {
    start(ingress("shop", "shop.local", "/catalog", "catalog") +
          ingress("blog", "blog.local", "/", "blog") + backend("catalog", 1, ", version: v1") +
          backend("blog"));
    auto response = httpGet(port_, "shop.local", "/catalog/items?page=2");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->header("server"), "ingress-lab");
    EXPECT_FALSE(response->header("date").empty());
    auto j = nlohmann::json::parse(response->body);
    EXPECT_EQ(j["service"], "catalog");
    EXPECT_THAT(j["pod"].get<std::string>(), ::testing::StartsWith("catalog-"));
    EXPECT_EQ(j["path"], "/catalog/items");
    EXPECT_EQ(j["query"], "page=2");
    EXPECT_EQ(j["labels"]["version"], "v1");
    const auto& headers = j["headers"];
    EXPECT_EQ(headers["X-Forwarded-For"], "127.0.0.1");
    EXPECT_EQ(headers["X-Forwarded-Host"], "shop.local");
    EXPECT_EQ(headers["X-Forwarded-Proto"], "http");
    EXPECT_EQ(headers["Host"], "shop.local");
    EXPECT_EQ(headers["X-Request-ID"].get<std::string>().size(), 32u);
    EXPECT_EQ(echo("blog.local", "/anything")["service"], "blog");
}

TEST_F(LabTest, LoadBalancingOverTenReplicasReachesAllTen) {
    // conformance #14
    start(ingress("lb", "load-balancing", "/", "echo") + backend("echo", 10));
    std::set<std::string> pods;
    HttpConnection connection("127.0.0.1", port_);
    for (int i = 0; i < 100; ++i) {
        auto response = connection.request("GET", "/", {{"Host", "load-balancing"}});
        ASSERT_TRUE(response);
        ASSERT_EQ(response->status, 200);
        pods.insert(nlohmann::json::parse(response->body)["pod"].get<std::string>());
    }
    EXPECT_EQ(pods.size(), 10u);
    // Keep-alive both ways: far fewer upstream connections than requests.
    EXPECT_LE(lab_->counters().upstream_connects, 20u);
}

TEST_F(LabTest, ControllerAnswersCarryServerAndDate) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web"));
    auto missing = httpGet(port_, "nowhere.local", "/");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->header("server"), "ingress-lab");
    EXPECT_FALSE(missing->header("date").empty());
    EXPECT_NE(missing->body.find("404 Not Found"), std::string::npos);
}

TEST_F(LabTest, NoReadyEndpointsIs503) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web", 0));
    auto response = httpGet(port_, "shop.local", "/");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 503);
}

TEST_F(LabTest, TlsHostRedirectsPlainHttp) {
    start(ingress("shop", "shop.local", "/", "web", "{}", "  tls: [{hosts: [shop.local]}]\n") +
          backend("web"));
    auto response = httpGet(port_, "shop.local", "/cart/");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 308);
    EXPECT_EQ(response->header("location"), "https://shop.local/cart");
}

TEST_F(LabTest, RelativeRedirectTargetsLeaveAbsoluteUnlessRelativeRedirects) {
    // ingress-nginx test/e2e/annotations/relativeredirects.go, over the socket: nginx's
    // absolute_redirect names the request's scheme and Host (without its port).
    start(ingress("abs", "rr.foo.com", "/something", "web",
                  "{nginx.ingress.kubernetes.io/permanent-redirect: /new-location}") +
          ingress("rel", "rel.foo.com", "/something", "web",
                  "{nginx.ingress.kubernetes.io/permanent-redirect: /new-location, "
                  "nginx.ingress.kubernetes.io/relative-redirects: \"true\"}") +
          backend("web"));
    auto absolute = httpGet(port_, "rr.foo.com:8080", "/something");
    ASSERT_TRUE(absolute);
    EXPECT_EQ(absolute->status, 301);
    EXPECT_EQ(absolute->header("location"), "http://rr.foo.com/new-location");
    auto relative = httpGet(port_, "rel.foo.com", "/something");
    ASSERT_TRUE(relative);
    EXPECT_EQ(relative->status, 301);
    EXPECT_EQ(relative->header("location"), "/new-location");
}

TEST_F(LabTest, CustomHeadersComeFromAConfigMapTheControllerAllows) {
    // ingress-nginx test/e2e/annotations/customheaders.go: a missing ConfigMap answers 503;
    // with the ConfigMap and its names in global-allowed-response-headers, every response
    // carries them ("$remote_addr" literally), replacing the pod's own.
    const std::string headers_map =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: custom-headers}\n"
        "data: {My-Custom-Header: \"42\", My-Custom-Header-Dollar: $remote_addr}\n---\n";
    const std::string allowed =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, "
        "namespace: ingress-nginx}\ndata: {global-allowed-response-headers: "
        "\"My-Custom-Header,My-Custom-Header-Dollar\"}\n---\n";
    const std::string annotated =
        ingress("custom", "custom-headers", "/", "web",
                "{nginx.ingress.kubernetes.io/custom-headers: default/custom-headers}") +
        backend("web");
    {
        LabOptions options;
        options.http = {"127.0.0.1", 0};
        options.cluster.ephemeral_ports = true;
        core::Diagnostics diagnostics;
        auto lab = Lab::startFromText(annotated, options, diagnostics);
        ASSERT_NE(lab, nullptr);
        EXPECT_TRUE(diagnostics.contains("ILAB-NGINX-003"));
        auto denied = httpGet(lab->httpPort(), "custom-headers", "/");
        ASSERT_TRUE(denied);
        EXPECT_EQ(denied->status, 503);
    }
    start(annotated + headers_map + allowed);
    auto response = httpGet(port_, "custom-headers", "/");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->header("my-custom-header"), "42");
    EXPECT_EQ(response->header("my-custom-header-dollar"), "$remote_addr");
    EXPECT_EQ(response->header_counts["my-custom-header"], 1);
}

TEST_F(LabTest, PrefixWithATrailingSlashRedirectsThePathWithoutIt) {
    // nginx's auto_redirect for ingress-nginx's `location "/static/"`, any method, query kept.
    start(ingress("static", "shop.local", "/static/", "files") +
          ingress("web", "shop.local", "/", "web") + backend("files") + backend("web"));
    HttpConnection connection("127.0.0.1", port_);
    for (const std::string method : {"GET", "POST"}) {
        auto response = connection.request(method, "/static?v=2", {{"Host", "shop.local"}});
        ASSERT_TRUE(response) << method;
        EXPECT_EQ(response->status, 301) << method;
        EXPECT_EQ(response->header("location"), "http://shop.local/static/?v=2") << method;
    }
    EXPECT_EQ(echo("shop.local", "/static/")["service"], "files");
    EXPECT_EQ(echo("shop.local", "/statics")["service"], "web");
}

TEST_F(LabTest, HostsThatStartLikeAnIpv4AddressAreRoutedByName) {
    // As explain now does (tests/cli/cli_test.cpp, HostsThatStartLikeAnIpv4AddressKeep...).
    start(ingress("nip", "172.18.0.2.nip.io", "/", "web") + backend("web"));
    auto j = echo("172.18.0.2.nip.io", "/catalog?page=2");
    EXPECT_EQ(j["service"], "web");
    EXPECT_EQ(j["path"], "/catalog");
}

TEST_F(LabTest, RewriteTargetReachesThePodRewritten) {
    start(ingress("api", "api.local", "/api(/|$)(.*)", "web",
                  "{nginx.ingress.kubernetes.io/use-regex: \"true\", "
                  "nginx.ingress.kubernetes.io/rewrite-target: /$2}") +
          backend("web"));
    auto j = echo("api.local", "/api/v1/users?x=1");
    EXPECT_EQ(j["path"], "/v1/users");
    EXPECT_EQ(j["query"], "x=1");
}

TEST_F(LabTest, PodMisbehavesOnRequest) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web"));
    auto status = httpGet(port_, "shop.local", "/status/418");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->status, 418);
    auto bytes = httpGet(port_, "shop.local", "/bytes/1048576");
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->status, 200);
    EXPECT_EQ(bytes->body.size(), 1048576u);
}

TEST_F(LabTest, SlowUpstreamIs504AfterProxyReadTimeout) {
    // One try: with the default three, nginx (and the lab) waits 3 x the read timeout.
    start(ingress("slow", "slow.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/proxy-read-timeout: \"1\", "
                  "nginx.ingress.kubernetes.io/proxy-next-upstream-tries: \"1\"}") +
          backend("web"));
    const auto started = std::chrono::steady_clock::now();
    auto response = httpGet(port_, "slow.local", "/delay/3s");
    const auto waited = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 504);
    EXPECT_LT(waited, std::chrono::milliseconds(2500));
}

TEST_F(LabTest, CanaryWeightHoldsWithinThreePointsOverTwoThousandRequests) {
    start(ingress("main", "shop.local", "/", "web") +
              ingress("canary", "shop.local", "/", "web-v2",
                      "{nginx.ingress.kubernetes.io/canary: \"true\", "
                      "nginx.ingress.kubernetes.io/canary-weight: \"20\"}") +
              backend("web") + backend("web-v2"),
          42);
    HttpConnection connection("127.0.0.1", port_);
    int canary = 0;
    for (int i = 0; i < 2000; ++i) {
        auto response = connection.request("GET", "/", {{"Host", "shop.local"}});
        ASSERT_TRUE(response);
        canary += nlohmann::json::parse(response->body)["service"] == "web-v2";
    }
    EXPECT_NEAR(canary / 2000.0, 0.20, 0.03);
}

TEST_F(LabTest, HostileClientsGetClearErrors) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web"));
    {
        HttpConnection c("127.0.0.1", port_);
        auto r = c.raw("GARBAGE\r\n\r\n");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400);
    }
    {
        // Request smuggling: Content-Length and Transfer-Encoding together.
        HttpConnection c("127.0.0.1", port_);
        auto r = c.raw(
            "POST / HTTP/1.1\r\nHost: shop.local\r\nContent-Length: 4\r\nTransfer-Encoding: "
            "chunked\r\n\r\n0\r\n\r\n");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400);
    }
    {
        HttpConnection c("127.0.0.1", port_);
        auto r =
            c.request("GET", "/", {{"Host", "shop.local"}, {"X-Big", std::string(20000, 'a')}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 431);
    }
    {
        HttpConnection c("127.0.0.1", port_);
        auto r = c.request("GET", "/" + std::string(9000, 'a'), {{"Host", "shop.local"}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 414);
    }
    {
        HttpConnection c("127.0.0.1", port_);
        auto r = c.raw("GET / HTTP/1.1\r\n\r\n");  // HTTP/1.1 without Host
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400);
    }
    // The proxy still serves after all of that.
    EXPECT_EQ(echo("shop.local", "/")["service"], "web");
}

TEST_F(LabTest, SlowlorisIsCutOffAtTheHeaderTimeout) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web"));
    HttpConnection slow("127.0.0.1", port_);
    ASSERT_FALSE(slow.raw("GET / HTTP/1.1\r\nHost: shop.local\r\nX-A: 1\r\n",
                          std::chrono::milliseconds(50)));
    EXPECT_TRUE(slow.closedWithin(std::chrono::seconds(2)));
    EXPECT_EQ(echo("shop.local", "/")["service"], "web");
}

TEST_F(LabTest, ChunkedBodyOverTheLimitIs413) {
    start(
        ingress("up", "up.local", "/", "web", "{nginx.ingress.kubernetes.io/proxy-body-size: 1k}") +
        backend("web"));
    HttpConnection c("127.0.0.1", port_);
    std::string chunk(1500, 'x');
    std::string bytes =
        "POST /upload HTTP/1.1\r\nHost: up.local\r\nTransfer-Encoding: chunked\r\n\r\n";
    bytes += "5dc\r\n" + chunk + "\r\n0\r\n\r\n";
    auto r = c.raw(bytes);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    HttpConnection small("127.0.0.1", port_);
    auto ok = small.request("POST", "/upload", {{"Host", "up.local"}}, std::string(500, 'y'));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
    EXPECT_EQ(nlohmann::json::parse(ok->body)["body_bytes"], 500);
}

TEST_F(LabTest, HotReloadSwapsRoutesAndRejectsBrokenChanges) {
    const std::string pods = backend("v1") + backend("v2");
    start(ingress("shop", "shop.local", "/", "v1") + pods);
    EXPECT_EQ(echo("shop.local", "/")["service"], "v1");
    core::Diagnostics diagnostics;
    ASSERT_TRUE(lab_->reloadFromText(ingress("shop", "shop.local", "/", "v2") + pods, diagnostics));
    EXPECT_EQ(echo("shop.local", "/")["service"], "v2");
    core::Diagnostics broken;
    EXPECT_FALSE(lab_->reloadFromText(ingress("shop", "Shop.Local", "/", "v1") + pods, broken));
    EXPECT_TRUE(broken.hasErrors());
    EXPECT_EQ(echo("shop.local", "/")["service"], "v2");
}

TEST_F(LabTest, RateLimitLetsTheBurstThroughThenAnswers503) {
    // nginx-annotations L02: limit-rps 1 with the default burst multiplier 5, nodelay.
    start(ingress("limited", "rl.local", "/", "web", "{nginx.ingress.kubernetes.io/limit-rps: \"1\"}") +
          backend("web"));
    HttpConnection connection("127.0.0.1", port_);
    std::vector<int> statuses;
    for (int i = 0; i < 10; ++i) {
        auto response = connection.request("GET", "/", {{"Host", "rl.local"}});
        ASSERT_TRUE(response);
        statuses.push_back(response->status);
    }
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 6);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 503), 4);
    EXPECT_EQ(statuses.back(), 503);
}

TEST_F(LabTest, CookieAffinityKeepsASessionOnOnePod) {
    start(ingress("sticky", "sticky.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/affinity: cookie, "
                  "nginx.ingress.kubernetes.io/session-cookie-name: SERVERID}") +
          backend("web", 5));
    auto first = httpGet(port_, "sticky.local", "/");
    ASSERT_TRUE(first);
    const std::string cookie = first->header("set-cookie");
    ASSERT_THAT(cookie, ::testing::StartsWith("SERVERID="));
    EXPECT_THAT(cookie, ::testing::HasSubstr("Path=/"));
    EXPECT_THAT(cookie, ::testing::HasSubstr("HttpOnly"));
    const std::string pod = nlohmann::json::parse(first->body)["pod"];
    const std::string value = cookie.substr(0, cookie.find(';'));
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(echo("sticky.local", "/", {{"Cookie", value}})["pod"], pod);
}

TEST_F(LabTest, UpstreamHashByPinsAUriToOnePod) {
    // nginx-annotations B02.
    start(ingress("hash", "hash.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/upstream-hash-by: $request_uri}") +
          backend("web", 6));
    std::set<std::string> pods;
    for (int i = 0; i < 30; ++i) pods.insert(echo("hash.local", "/same")["pod"].get<std::string>());
    EXPECT_EQ(pods.size(), 1u);
}

TEST_F(LabTest, CorsHeadersGoOnForwardedResponses) {
    start(ingress("cors", "cors.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/enable-cors: \"true\", "
                  "nginx.ingress.kubernetes.io/cors-allow-origin: \"https://app.example.com\"}") +
          backend("web"));
    auto allowed = httpGet(port_, "cors.local", "/", {{"Origin", "https://app.example.com"}});
    ASSERT_TRUE(allowed);
    EXPECT_EQ(allowed->header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_EQ(allowed->header("access-control-allow-credentials"), "true");
    auto other = httpGet(port_, "cors.local", "/", {{"Origin", "https://evil.example.com"}});
    ASSERT_TRUE(other);
    EXPECT_EQ(other->header("access-control-allow-origin"), "");
    HttpConnection preflight("127.0.0.1", port_);
    auto answer = preflight.request("OPTIONS", "/", {{"Host", "cors.local"},
                                                     {"Origin", "https://app.example.com"},
                                                     {"Access-Control-Request-Method", "PUT"}});
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 204);
}

TEST_F(LabTest, MetricsUseIngressNginxNamesAndLabels) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web"));
    for (int i = 0; i < 3; ++i) echo("shop.local", "/");
    ASSERT_TRUE(httpGet(port_, "nowhere.local", "/"));
    // Events reach the snapshot on the proxy's 50 ms flush: poll with a deadline.
    std::string metrics;
    // A loopback name: the admin listener answers no other Host (DNS rebinding).
    const std::string admin_host = "127.0.0.1:" + std::to_string(lab_->adminPort());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        auto response = httpGet(lab_->adminPort(), admin_host, "/metrics");
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 200);
        metrics = response->body;
        if (metrics.find("status=\"404\"") != std::string::npos) break;
    }
    EXPECT_THAT(metrics, ::testing::HasSubstr("nginx_ingress_controller_requests{"));
    EXPECT_THAT(metrics, ::testing::HasSubstr("ingress=\"shop\""));
    EXPECT_THAT(metrics, ::testing::HasSubstr("service=\"web\""));
    EXPECT_THAT(metrics, ::testing::HasSubstr("status=\"200\""));
    EXPECT_THAT(metrics, ::testing::HasSubstr("nginx_ingress_controller_request_duration_seconds_bucket{"));
    EXPECT_EQ(lab_->telemetry().recordedEvents(), 4u);
    auto health = httpGet(lab_->adminPort(), admin_host, "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->body, "ok\n");
}

TEST_F(LabTest, RequestTimeOnAKeptAliveConnectionStartsAtItsFirstByte) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web"));
    std::mutex mutex;
    std::vector<telemetry::Micros> times;
    std::vector<std::uint64_t> sent;
    const auto id = lab_->telemetry().subscribe([&](const telemetry::Delivery& d) {
        std::lock_guard lock(mutex);
        for (const auto& b : d.batches)
            for (const auto& e : b->events) {
                times.push_back(e.requestTime());
                sent.push_back(e.bytes_sent - e.body_bytes_sent);
            }
    });
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_TRUE(connection.request("GET", "/", {{"Host", "shop.local"}}));
    // The connection idles between the two requests; nginx does not count that time.
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    ASSERT_TRUE(connection.request("GET", "/", {{"Host", "shop.local"}}));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(mutex);
            if (times.size() == 2) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the proxy's 50 ms flush
    }
    lab_->telemetry().unsubscribe(id);
    ASSERT_EQ(times.size(), 2u);
    EXPECT_LT(times[1], std::chrono::milliseconds(200));
    // $bytes_sent counts the response head too.
    EXPECT_GT(sent[0], 50u);
    EXPECT_GT(sent[1], 50u);
}

TEST_F(LabTest, HotReloadUnderLoadFailsNoRequest) {
    const std::string pods = backend("v1", 2) + backend("v2", 2);
    const std::string first = ingress("shop", "shop.local", "/", "v1") + pods;
    const std::string second = ingress("shop", "shop.local", "/", "v2") + pods;
    start(first);
    std::atomic<bool> done{false};
    std::atomic<int> ok{0}, failed{0};
    std::set<std::string> served;
    std::thread client([&] {
        HttpConnection connection("127.0.0.1", port_);
        while (!done) {
            auto response = connection.request("GET", "/", {{"Host", "shop.local"}});
            if (response && response->status == 200) {
                ++ok;
                served.insert(nlohmann::json::parse(response->body)["service"].get<std::string>());
            } else {
                ++failed;
            }
        }
    });
    for (int i = 0; i < 20; ++i) {
        core::Diagnostics diagnostics;
        EXPECT_TRUE(lab_->reloadFromText(i % 2 ? first : second, diagnostics));
        // Let some requests through on each table before the next swap.
        const int before = ok.load();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (ok.load() < before + 5 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
    }
    done = true;
    client.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_GE(ok.load(), 100);
    EXPECT_EQ(served, (std::set<std::string>{"v1", "v2"}));
}

TEST_F(LabTest, AServiceWithHandWrittenEndpointsReachesAProcessOutsideTheCluster) {
    // The "outside" process is a second lab; the first forwards to its HTTP port.
    start(ingress("shop", "shop.local", "/", "catalog") + backend("catalog"));
    const std::uint16_t outside = port_;
    auto inside = std::move(lab_);
    start(ingress("edge", "shop.local", "/", "legacy") +
          "apiVersion: v1\nkind: Service\nmetadata: {name: legacy}\nspec:\n"
          "  ports: [{name: http, port: 80}]\n---\n"
          "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: legacy-1\n"
          "  labels: {kubernetes.io/service-name: legacy}\naddressType: IPv4\n"
          "endpoints: [{addresses: [127.0.0.1]}]\nports: [{name: http, port: " +
          std::to_string(outside) + "}]\n");
    const auto j = echo("shop.local", "/catalog/items");
    EXPECT_EQ(j["service"], "catalog");  // answered by a pod behind the other lab
    // Like ingress-nginx without compute-full-forwarded-for: the edge's own address only.
    EXPECT_EQ(j["headers"]["X-Forwarded-For"], "127.0.0.1");
    EXPECT_EQ(j["headers"]["X-Forwarded-Host"], "shop.local");
}

TEST_F(LabTest, TheConfigMapsForwardedHeadersReachThePod) {
    // use-forwarded-headers with compute-full-forwarded-for: the pod sees the client nginx's
    // realip module found (X-Real-IP) and the whole chain plus the edge (X-Forwarded-For).
    start(ingress("shop", "shop.local", "/", "web") + backend("web") +
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, "
          "namespace: ingress-nginx}\ndata: {use-forwarded-headers: \"true\", "
          "compute-full-forwarded-for: \"true\"}\n");
    const auto j = echo("shop.local", "/", {{"X-Forwarded-For", "203.0.113.7"},
                                            {"X-Forwarded-Proto", "https"}});
    EXPECT_EQ(j["headers"]["X-Real-IP"], "203.0.113.7");
    EXPECT_EQ(j["headers"]["X-Forwarded-For"], "203.0.113.7, 127.0.0.1");
}

TEST_F(LabTest, StickyCanaryKeepsASessionOnTheCanaryItStartedOn) {
    // nginx-annotations C14: the forced first request lands on the canary with the main's
    // affinity cookie; that cookie alone keeps the next 50 there, though the weight is 1%.
    start(affinityCanary("1", "", 2));
    auto first = httpGet(port_, "shop.local", "/", {{"ForceCanary", "yes"}});
    ASSERT_TRUE(first);
    EXPECT_EQ(nlohmann::json::parse(first->body)["service"], "web-v2");
    const std::string cookie = first->header("set-cookie");
    ASSERT_THAT(cookie, ::testing::StartsWith("aff="));
    const std::string value = cookie.substr(0, cookie.find(';'));
    for (int i = 0; i < 50; ++i)
        ASSERT_EQ(echo("shop.local", "/", {{"Cookie", value}})["service"], "web-v2") << i;
    // A session the main backend started stays there too.
    auto plain = httpGet(port_, "shop.local", "/", {{"ForceCanary", "no"}});
    ASSERT_TRUE(plain);
    const std::string main_cookie = plain->header("set-cookie");
    ASSERT_THAT(main_cookie, ::testing::StartsWith("aff="));
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(echo("shop.local", "/",
                       {{"Cookie", main_cookie.substr(0, main_cookie.find(';'))}})["service"],
                  "web")
            << i;
}

TEST_F(LabTest, LegacyCanaryIgnoresAffinity) {
    // nginx-annotations C15: no cookie from the canary; later requests split by weight.
    start(affinityCanary("50", ", nginx.ingress.kubernetes.io/affinity-canary-behavior: legacy", 1),
          11);
    auto first = httpGet(port_, "shop.local", "/", {{"ForceCanary", "yes"}});
    ASSERT_TRUE(first);
    EXPECT_EQ(nlohmann::json::parse(first->body)["service"], "web-v2");
    EXPECT_EQ(first->header("set-cookie"), "");
    int canary = 0;
    HttpConnection connection("127.0.0.1", port_);
    for (int i = 0; i < 200; ++i) {
        auto r = connection.request("GET", "/", {{"Host", "shop.local"}});
        ASSERT_TRUE(r);
        canary += nlohmann::json::parse(r->body)["service"] == "web-v2";
    }
    EXPECT_NEAR(canary / 200.0, 0.5, 0.12);
}

TEST_F(LabTest, AChunkedUpstreamResponseIsReChunkedForHttp11AndUnframedForHttp10) {
    CannedUpstream upstream(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    start(ingress("chunky", "chunky.local", "/", "chunky") + upstream.manifests("chunky"));
    HttpConnection c("127.0.0.1", port_);
    for (int i = 0; i < 2; ++i) {  // and the connection stays usable after it
        auto r = c.request("GET", "/", {{"Host", "chunky.local"}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->body, "hello world");
        EXPECT_EQ(r->header("transfer-encoding"), "chunked");
        EXPECT_FALSE(r->connection_closed);
    }
    HttpConnection old("127.0.0.1", port_);
    auto r = old.raw("GET / HTTP/1.0\r\nHost: chunky.local\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "hello world");
    EXPECT_EQ(r->header("transfer-encoding"), "");
    EXPECT_TRUE(r->connection_closed || old.closedWithin(std::chrono::seconds(2)));
}

TEST_F(LabTest, AResponseDelimitedByCloseReachesTheClientChunked) {
    CannedUpstream upstream("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
    start(ingress("eof", "eof.local", "/", "eof") + upstream.manifests("eof"));
    HttpConnection c("127.0.0.1", port_);
    auto r = c.request("GET", "/", {{"Host", "eof.local"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "until the end");
    EXPECT_EQ(r->header("transfer-encoding"), "chunked");
    EXPECT_EQ(r->header("connection"), "");  // the upstream's Connection is hop-by-hop
    EXPECT_TRUE(c.request("GET", "/again", {{"Host", "eof.local"}}).has_value());
}

TEST_F(LabTest, HeadKeepsTheLengthAndSendsNoBody) {
    start(ingress("shop", "shop.local", "/", "web") + backend("web"));
    HttpConnection c("127.0.0.1", port_);
    auto head = c.raw("HEAD /bytes/5000 HTTP/1.1\r\nHost: shop.local\r\n\r\n");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("content-length"), "5000");
    EXPECT_EQ(head->body, "");
    auto next = c.request("GET", "/after-head", {{"Host", "shop.local"}});
    ASSERT_TRUE(next);  // framing intact: the next response parses
    EXPECT_EQ(nlohmann::json::parse(next->body)["path"], "/after-head");
}

TEST_F(LabTest, RateLimitsAnswerBeforeTheAllowList) {
    // nginx-annotations A06: limit_req runs in nginx's preaccess phase, before allow/deny.
    start(ingress("guarded", "guarded.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/allowlist-source-range: 1.1.1.1/32, "
                  "nginx.ingress.kubernetes.io/limit-rps: \"1\"}") +
          backend("web"));
    std::vector<int> statuses;
    HttpConnection c("127.0.0.1", port_);
    for (int i = 0; i < 10; ++i) {
        auto r = c.request("GET", "/", {{"Host", "guarded.local"}});
        ASSERT_TRUE(r);
        statuses.push_back(r->status);
    }
    // The rate and burst first (limit-rps 1 and 5 more): six reach the allow-list and get its
    // 403, the rest are over the limit and get 503 without reaching it.
    EXPECT_EQ(statuses, (std::vector<int>{403, 403, 403, 403, 403, 403, 503, 503, 503, 503}));
}

TEST_F(LabTest, CustomHttpErrorsComeFromTheDefaultBackend) {
    // nginx-annotations M03: the listed codes are fetched from the default-backend Service
    // with the X-Code headers; the client gets its answer; other responses are untouched.
    start(ingress("app", "app.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/custom-http-errors: \"404,503\", "
                  "nginx.ingress.kubernetes.io/default-backend: errors}") +
          backend("web") + backend("errors"));
    auto r = httpGet(port_, "app.local", "/status/404?x=1", {{"Accept", "text/html"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);  // the echo pod answers 200; error-pages would answer X-Code
    const auto j = nlohmann::json::parse(r->body);
    EXPECT_EQ(j["service"], "errors");
    EXPECT_EQ(j["path"], "/");
    EXPECT_EQ(j["headers"]["X-Code"], "404");
    EXPECT_EQ(j["headers"]["X-Format"], "text/html");
    EXPECT_EQ(j["headers"]["X-Original-URI"], "/status/404?x=1");
    EXPECT_EQ(j["headers"]["X-Service-Name"], "web");
    EXPECT_EQ(j["headers"]["X-Ingress-Name"], "app");
    EXPECT_EQ(echo("app.local", "/fine")["service"], "web");  // 200s pass through
    auto other = httpGet(port_, "app.local", "/status/500");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 500);  // not listed
}

TEST_F(LabTest, CustomHttpErrorsWithoutADefaultBackendAre404) {
    start(ingress("app", "app.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/custom-http-errors: \"503\"}") +
          backend("web"));
    auto r = httpGet(port_, "app.local", "/status/503");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);  // ingress-nginx's own default backend
}

TEST_F(LabTest, LimitRatePacesBufferedResponses) {
    // nginx-annotations L08: limit-rate (KB/s) needs proxy-buffering on.
    start(ingress("slow", "slow.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/limit-rate: \"20\", "
                  "nginx.ingress.kubernetes.io/proxy-buffering: \"on\"}") +
          ingress("fast", "fast.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/limit-rate: \"20\"}") +
          backend("web"));
    const auto timed = [&](const std::string& host) {
        const auto start_time = std::chrono::steady_clock::now();
        auto r = httpGet(port_, host, "/bytes/40960");
        EXPECT_TRUE(r && r->body.size() == 40960u);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time)
            .count();
    };
    EXPECT_GT(timed("slow.local"), 1.6);  // 40 KiB at 20 KiB/s: 2 s
    EXPECT_LT(timed("fast.local"), 1.0);  // without proxy-buffering nginx ignores limit-rate
}

TEST_F(LabTest, BodiesAreStreamedWithoutRequestBufferingOrABodyLimit) {
    RecordingUpstream pod;
    start(ingress("unbuffered", "up.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/proxy-request-buffering: \"off\"}") +
          ingress("unbounded", "big.local", "/", "web",
                  "{nginx.ingress.kubernetes.io/proxy-body-size: \"0\"}") +
          ingress("unbuffered-rec", "up.rec.local", "/", "recorder",
                  "{nginx.ingress.kubernetes.io/proxy-request-buffering: \"off\"}") +
          ingress("unbounded-rec", "big.rec.local", "/", "recorder",
                  "{nginx.ingress.kubernetes.io/proxy-body-size: \"0\"}") +
          backend("web") + pod.manifests("recorder"));
    const std::string piece(64 * 1024, 'x');
    // Streamed means the pod sees the first bytes before the client has sent the last: send
    // half a body, wait for the pod to have some of it, only then send the rest. A proxy that
    // reads the whole body first never lets the pod see any of it here.
    {
        PartialClient client(port_);
        std::string first =
            "POST /upload HTTP/1.1\r\nHost: big.rec.local\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        for (int i = 0; i < 8; ++i)
            first += "10000\r\n" + piece + "\r\n";
        ASSERT_TRUE(client.send(first));
        EXPECT_TRUE(pod.waitForBodyBytes(16 * 1024, std::chrono::seconds(10)))
            << "the pod saw none of a chunked body before its last chunk was sent";
        std::string rest;
        for (int i = 0; i < 8; ++i)
            rest += "10000\r\n" + piece + "\r\n";
        ASSERT_TRUE(client.send(rest + "0\r\n\r\n"));
        const std::string answer = client.readUntilClosed();
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer.substr(0, 200);
    }
    pod.forget();
    {
        PartialClient client(port_);
        ASSERT_TRUE(
            client.send("PUT /doc HTTP/1.1\r\nHost: up.rec.local\r\nContent-Length: 262144\r\n"
                        "Connection: close\r\n\r\n" +
                        piece + piece));
        EXPECT_TRUE(pod.waitForBodyBytes(16 * 1024, std::chrono::seconds(10)))
            << "the pod saw none of a body with a length before all of it was sent";
        ASSERT_TRUE(client.send(piece + piece));
        const std::string answer = client.readUntilClosed();
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer.substr(0, 200);
        EXPECT_NE(answer.find("{\"body_bytes\": 262144}"), std::string::npos)
            << answer.substr(0, 400);
    }
    HttpConnection c("127.0.0.1", port_);
    // A 3 MiB chunked upload where no proxy-body-size bounds it: relayed as it comes.
    std::string chunked =
        "POST /upload HTTP/1.1\r\nHost: big.local\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 48; ++i) chunked += "10000\r\n" + piece + "\r\n";
    chunked += "0\r\n\r\n";
    auto r = c.raw(chunked);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(nlohmann::json::parse(r->body)["body_bytes"], 48 * 64 * 1024);
    // With a length and proxy-request-buffering off; the connection stays usable after it.
    auto sized = c.request("PUT", "/doc", {{"Host", "up.local"}}, std::string(200000, 'y'));
    ASSERT_TRUE(sized);
    ASSERT_EQ(sized->status, 200);
    EXPECT_EQ(nlohmann::json::parse(sized->body)["body_bytes"], 200000);
    EXPECT_EQ(nlohmann::json::parse(sized->body)["method"], "PUT");
    auto after = c.request("GET", "/after", {{"Host", "up.local"}});
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
}

}  // namespace
}  // namespace ilab::lab
