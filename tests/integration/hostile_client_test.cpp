// Hostile clients and broken upstreams against the live proxy, over real loopback sockets: the
// probe of issue 12, each case answered as nginx 1.22 answered the same bytes on this machine
// (docs/security.md lists them).
#include "engine/lab/lab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"

namespace ilab::lab {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string backend(const std::string& name) {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
           "}\nspec:\n  selector: {app: " + name +
           "}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n---\napiVersion: apps/v1\n"
           "kind: Deployment\nmetadata: {name: " + name + "}\nspec:\n  replicas: 1\n"
           "  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: "
           "{app: " + name + "}}\n    spec: {containers: [{name: app, ports: [{containerPort: "
           "8080}]}]}\n---\n";
}

std::string ingress(const std::string& name, const std::string& host, const std::string& path,
                    const std::string& service, const std::string& annotations = "{}") {
    return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name +
           "\n  annotations: " + annotations + "\nspec:\n  ingressClassName: nginx\n  rules:\n"
           "  - host: " + host + "\n    http:\n      paths:\n      - path: " + path +
           "\n        pathType: Prefix\n        backend:\n          service: {name: " + service +
           ", port: {number: 80}}\n---\n";
}

// A raw client socket: write what a hostile client writes, read what comes back.
class RawClient {
  public:
    explicit RawClient(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawClient() { ::close(fd_); }
    bool connected() const { return connected_; }

    // False when the peer stopped reading (it answered and closed).
    bool send(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Reads until `done(received)` holds, the peer closes or the deadline passes.
    template <class Done>
    std::string readUntil(Done done, std::chrono::milliseconds deadline = 5s) {
        const auto until = Clock::now() + deadline;
        while (!done(received_) && !closed_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buffer[65536];
            const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                closed_ = true;
                break;
            }
            received_.append(buffer, static_cast<std::size_t>(n));
        }
        return received_;
    }
    std::string readAll(std::chrono::milliseconds deadline = 5s) {
        return readUntil([](const std::string&) { return false; }, deadline);
    }
    // One whole response with a Content-Length body.
    std::string readResponse(std::chrono::milliseconds deadline = 5s) {
        return readUntil(completeResponse, deadline);
    }
    bool closed() const { return closed_; }
    void clear() { received_.clear(); }

    static bool completeResponse(const std::string& r) {
        const auto end = r.find("\r\n\r\n");
        if (end == std::string::npos) return false;
        const auto cl = r.find("Content-Length: ");
        if (cl == std::string::npos || cl > end) return true;
        return r.size() >= end + 4 + std::stoul(r.substr(cl + 16));
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
    bool closed_ = false;
    std::string received_;
};

int statusOf(const std::string& response) {
    return response.size() >= 12 ? std::atoi(response.c_str() + 9) : 0;
}

std::string bodyOf(const std::string& response) {
    const auto end = response.find("\r\n\r\n");
    return end == std::string::npos ? "" : response.substr(end + 4);
}

// An upstream outside the cluster that keeps its connections open and answers each request
// with `response` (which may carry interim 1xx heads before, or stray bytes after, the answer).
class KeepAliveUpstream {
  public:
    explicit KeepAliveUpstream(std::string response) : response_(std::move(response)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this] {
            while (true) {
                const int client = ::accept(fd_, nullptr, nullptr);
                if (client < 0) return;
                ++connections_;
                clients_.push_back(client);
                workers_.emplace_back([this, client] { serve(client); });
            }
        });
    }
    ~KeepAliveUpstream() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        acceptor_.join();
        for (int c : clients_) ::shutdown(c, SHUT_RDWR);
        for (auto& w : workers_) w.join();
        for (int c : clients_) ::close(c);
    }
    int connections() const { return connections_; }
    std::string manifests(const std::string& name) const {
        return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
               "}\nspec:\n  ports: [{name: http, port: 80}]\n---\n"
               "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " +
               name + "-1\n  labels: {kubernetes.io/service-name: " + name +
               "}\naddressType: IPv4\nendpoints: [{addresses: [127.0.0.1]}]\n"
               "ports: [{name: http, port: " + std::to_string(port_) + "}]\n---\n";
    }

  private:
    void serve(int client) {
        std::string pending;
        char buffer[4096];
        while (true) {
            const auto end = pending.find("\r\n\r\n");
            if (end != std::string::npos) {
                pending.erase(0, end + 4);  // requests here carry no body
                if (::send(client, response_.data(), response_.size(), MSG_NOSIGNAL) < 0) return;
                continue;
            }
            const auto n = ::recv(client, buffer, sizeof buffer, 0);
            if (n <= 0) return;
            pending.append(buffer, static_cast<std::size_t>(n));
        }
    }

    std::string response_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<int> connections_{0};
    std::vector<int> clients_;
    std::vector<std::thread> workers_;
    std::thread acceptor_;
};

class HostileClientTest : public ::testing::Test {
  protected:
    void start(const std::string& manifests) {
        LabOptions options;
        options.http = {"127.0.0.1", 0};
        options.admin = proxy::ListenerSpec{"127.0.0.1", 0};
        options.cluster.ephemeral_ports = true;
        options.proxy.limits.header_timeout = 2s;
        core::Diagnostics diagnostics;
        lab_ = Lab::startFromText(manifests, options, diagnostics);
        ASSERT_NE(lab_, nullptr);
        ASSERT_FALSE(diagnostics.hasErrors()) << core::formatDiagnostic(diagnostics.items()[0]);
        port_ = lab_->httpPort();
    }
    void startShop() { start(ingress("api", "api.shop.local", "/api", "api") + backend("api")); }

    // Sends `bytes` on a new connection; returns everything until the proxy closes it.
    std::string exchangeAndClose(const std::string& bytes) {
        RawClient c(port_);
        EXPECT_TRUE(c.connected());
        c.send(bytes);
        const std::string r = c.readAll(5s);
        EXPECT_TRUE(c.closed()) << "the proxy kept the connection open after: " << r;
        return r;
    }

    std::unique_ptr<Lab> lab_;
    std::uint16_t port_ = 0;
};

// Issue 12, critical 1: the pod's interim 100 was relayed as the answer and the real answer
// left in a pooled connection, where the next client got it.
TEST_F(HostileClientTest, ExpectContinueIsAnsweredByTheProxyAndNeverLeaksAResponse) {
    startShop();
    RawClient c(port_);
    ASSERT_TRUE(c.send("POST /api/expect HTTP/1.1\r\nHost: api.shop.local\r\n"
                       "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
    const std::string interim =
        c.readUntil([](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; });
    EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");  // before the body was sent
    c.clear();
    ASSERT_TRUE(c.send("hello"));
    const std::string final_answer = c.readResponse();
    ASSERT_EQ(statusOf(final_answer), 200) << final_answer;
    const auto echoed = nlohmann::json::parse(bodyOf(final_answer));
    EXPECT_EQ(echoed["path"], "/api/expect");
    EXPECT_EQ(echoed["body_bytes"], 5);
    EXPECT_FALSE(echoed["headers"].contains("Expect"));  // nginx: proxy_set_header Expect ""
    for (int i = 1; i <= 6; ++i) {
        const std::string path = "/api/req-" + std::to_string(i);
        auto r = testing::httpGet(port_, "api.shop.local", path);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200);
        EXPECT_EQ(nlohmann::json::parse(r->body)["path"], path)
            << "request " << path << " got another request's answer";
    }
}

TEST_F(HostileClientTest, AnInterimResponseFromTheUpstreamIsNeverTheAnswer) {
    KeepAliveUpstream upstream(
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
    start(ingress("hints", "hints.local", "/", "hints") + upstream.manifests("hints"));
    testing::HttpConnection c("127.0.0.1", port_);
    for (int i = 0; i < 3; ++i) {
        auto r = c.request("GET", "/", {{"Host", "hints.local"}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, "final");
    }
}

TEST_F(HostileClientTest, AnUpstreamConnectionWithBytesLeftOverIsNeverReused) {
    // The pod sends a second, unasked-for response after the first: it must reach no one.
    KeepAliveUpstream upstream(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nstolen");
    start(ingress("stray", "stray.local", "/", "stray") + upstream.manifests("stray"));
    for (int i = 0; i < 4; ++i) {
        auto r = testing::httpGet(port_, "stray.local", "/" + std::to_string(i));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->body, "ok") << "request " << i;
    }
    EXPECT_EQ(upstream.connections(), 4);  // one each: none went back to the pool
}

// Issue 12, high 3: a Transfer-Encoding that does not end in chunked was taken as "no body",
// and the body served as the next request (a desync behind any front proxy).
TEST_F(HostileClientTest, TransferEncodingOtherThanChunkedIsRefusedAndTheBodyNeverRouted) {
    startShop();
    const std::string smuggled =
        "GET /api/smuggled HTTP/1.1\r\nHost: api.shop.local\r\n\r\n";
    struct Case {
        std::string encoding;
        int status;
    };
    for (const Case& c : std::vector<Case>{{"chunked, identity", 501},
                                           {"gzip", 501},
                                           {"chunked, chunked", 501},
                                           {"xchunked", 501},
                                           {"identity", 501}}) {
        const std::string r = exchangeAndClose(
            "POST /api/x HTTP/1.1\r\nHost: api.shop.local\r\nTransfer-Encoding: " + c.encoding +
            "\r\n\r\n" + smuggled);
        EXPECT_EQ(statusOf(r), c.status) << c.encoding << ": " << r;
        EXPECT_EQ(r.find("smuggled"), std::string::npos) << c.encoding;
        EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "a second response: " << r;
    }
    // Two Transfer-Encoding lines, and Transfer-Encoding on HTTP/1.0: 400, as nginx.
    EXPECT_EQ(statusOf(exchangeAndClose(
                  "POST /api/x HTTP/1.1\r\nHost: api.shop.local\r\nTransfer-Encoding: chunked\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled)),
              400);
    EXPECT_EQ(statusOf(exchangeAndClose("POST /api/x HTTP/1.0\r\nHost: api.shop.local\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")),
              400);
    // "chunked" in any case is fine.
    RawClient ok(port_);
    ok.send("POST /api/fine HTTP/1.1\r\nHost: api.shop.local\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
            "5\r\nhello\r\n0\r\n\r\n");
    const std::string fine = ok.readResponse();
    EXPECT_EQ(statusOf(fine), 200) << fine;
}

// Issue 12, high 4: chunk extensions and trailers were buffered without limit.
TEST_F(HostileClientTest, LongChunkExtensionsAndTrailersAreRefusedWith400) {
    startShop();
    const std::string head =
        "POST /api/x HTTP/1.1\r\nHost: api.shop.local\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string huge(1024 * 1024, 'a');
    EXPECT_EQ(statusOf(exchangeAndClose(head + "5;" + huge + "\r\nhello\r\n0\r\n\r\n")), 400);
    EXPECT_EQ(statusOf(exchangeAndClose(head + "5\r\nhello\r\n0\r\nX-T: " + huge + "\r\n\r\n")),
              400);
    // Short ones are fine, as in nginx.
    RawClient ok(port_);
    ok.send(head + "5;name=value\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n");
    EXPECT_EQ(statusOf(ok.readResponse()), 200);
}

TEST_F(HostileClientTest, TheStreamedBodyPathAnswersBadChunksAndOversizeBodies) {
    start(ingress("stream", "stream.local", "/", "api",
                  "{nginx.ingress.kubernetes.io/proxy-request-buffering: \"off\", "
                  "nginx.ingress.kubernetes.io/proxy-body-size: \"8\"}") +
          backend("api"));
    const std::string head =
        "POST /x HTTP/1.1\r\nHost: stream.local\r\nTransfer-Encoding: chunked\r\n\r\n";
    EXPECT_EQ(statusOf(exchangeAndClose(head + "zz\r\nhello\r\n0\r\n\r\n")), 400);
    EXPECT_EQ(statusOf(exchangeAndClose(head + "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n")), 413);
    EXPECT_EQ(statusOf(exchangeAndClose(head + "5;" + std::string(100000, 'e') +
                                        "\r\nhello\r\n0\r\n\r\n")),
              400);
}

// Found by tests/fuzz/http_request_fuzz: an empty chunked body whose last chunk "0\r\n" comes in
// one segment and the blank line after it in two more made Beast 1.81 fail a false assertion (boostorg/beast#2861), which
// aborted a Debug or sanitizer build of the lab (engine/core/boost_assert.cpp).
TEST_F(HostileClientTest, AnEmptyChunkedBodyMayEndByteByByte) {
    start(ingress("api", "api.shop.local", "/api", "api") +
          ingress("stream", "stream.local", "/", "api",
                  "{nginx.ingress.kubernetes.io/proxy-request-buffering: \"off\"}") +
          backend("api"));
    for (const std::string host : {"api.shop.local", "stream.local"}) {
        RawClient c(port_);
        ASSERT_TRUE(c.send("POST /api/split HTTP/1.1\r\nHost: " + host +
                           "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"));
        for (const char* piece : {"\r", "\n"}) {
            std::this_thread::sleep_for(50ms);  // separate segments, separate reads
            ASSERT_TRUE(c.send(piece));
        }
        const std::string r = c.readResponse();
        ASSERT_EQ(statusOf(r), 200) << host << ": " << r;
        EXPECT_EQ(nlohmann::json::parse(bodyOf(r))["body_bytes"], 0) << host;
    }
}

// Found by tests/fuzz/http_request_fuzz: Beast 1.81 checks header_limit on the part of the head
// it has not parsed yet, and the fields of the first read are parsed at once and leave the
// buffer, so a head whose first segment held some fields could be that much over the limit.
TEST_F(HostileClientTest, TheHeadLimitCoversTheWholeHead) {
    startShop();
    const auto sendHead = [&](std::size_t rest_bytes) {
        RawClient c(port_);
        // The proxy's first read is 512 bytes: the request line and a few whole fields.
        std::string first = "GET /api/x HTTP/1.1\r\nHost: api.shop.local\r\n";
        while (first.size() < 480) first += "X-First: 0123456789012345678901234567890123456789\r\n";
        EXPECT_TRUE(c.send(first));
        std::this_thread::sleep_for(50ms);
        EXPECT_TRUE(c.send("X-Rest: " + std::string(rest_bytes, 'r') + "\r\nConnection: close\r\n\r\n"));
        return statusOf(c.readAll());
    };
    EXPECT_EQ(sendHead(16000), 431);  // 16.5 KB in all
    EXPECT_EQ(sendHead(15500), 200);  // 16 KB in all, just under 16 KiB
}

// Issue 12, low 9: each refused by nginx 1.22 with the status given.
TEST_F(HostileClientTest, MalformedHeadsAreRefusedAsNginxRefusesThem) {
    startShop();
    struct Case {
        const char* what;
        std::string request;
        int status;
    };
    const std::string host = "Host: api.shop.local\r\n";
    const std::vector<Case> cases = {
        {"a bad chunk size", "POST /api/x HTTP/1.1\r\n" + host +
                                 "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
        {"a duplicate identical Content-Length",
         "POST /api/x HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
         400},
        {"a lowercase method", "get /api/x HTTP/1.1\r\n" + host + "\r\n", 400},
        {"an encoded NUL", "GET /api/a%00b HTTP/1.1\r\n" + host + "\r\n", 400},
        {"a bad escape", "GET /api/a%zzb HTTP/1.1\r\n" + host + "\r\n", 400},
        {"a lone percent", "GET /api/a% HTTP/1.1\r\n" + host + "\r\n", 400},
        {"a dot-dot above the root", "GET /../api/x HTTP/1.1\r\n" + host + "\r\n", 400},
        {"a Host with a slash", "GET /api/x HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
        {"a Host with two dots", "GET /api/x HTTP/1.1\r\nHost: a..b\r\n\r\n", 400},
        {"an empty Host", "GET /api/x HTTP/1.1\r\nHost: \r\n\r\n", 400},
        {"two Host lines", "GET /api/x HTTP/1.1\r\n" + host + host + "\r\n", 400},
    };
    for (const Case& c : cases) {
        RawClient client(port_);
        client.send(c.request);
        const std::string r = client.readResponse();
        EXPECT_EQ(statusOf(r), c.status) << c.what << ": " << r;
    }
}

// Issue 12, medium 8: "%2F" stayed encoded for location matching, so /admin%2Fx skipped the
// guarded /admin location and reached the pod.
TEST_F(HostileClientTest, AnEncodedSlashCannotSlipPastAGuardedLocation) {
    start(ingress("open", "shop.local", "/", "api") +
          ingress("admin", "shop.local", "/admin", "api",
                  "{nginx.ingress.kubernetes.io/allowlist-source-range: 10.0.0.0/8}") +
          backend("api"));
    for (const char* path : {"/admin/x", "/admin%2Fx", "/admin%2fx", "/x/..%2Fadmin/x"}) {
        auto r = testing::httpGet(port_, "shop.local", path);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 403) << path;
    }
    auto open = testing::httpGet(port_, "shop.local", "/public%2Fx");
    ASSERT_TRUE(open);
    EXPECT_EQ(open->status, 200);
    EXPECT_EQ(nlohmann::json::parse(open->body)["path"], "/public%2Fx");  // sent as received
}

TEST_F(HostileClientTest, MetricsAnswerLoopbackNamesOnly) {
    startShop();
    const std::uint16_t admin = lab_->adminPort();
    ASSERT_NE(admin, 0);
    auto rebound = testing::httpGet(admin, "evil.example:" + std::to_string(admin), "/metrics");
    ASSERT_TRUE(rebound);
    EXPECT_EQ(rebound->status, 403);
    for (const std::string& host : {"127.0.0.1:" + std::to_string(admin), std::string("localhost")}) {
        auto ok = testing::httpGet(admin, host, "/metrics");
        ASSERT_TRUE(ok);
        EXPECT_EQ(ok->status, 200) << host;
    }
    // /healthz tells nothing: any name gets it, as on the web lab's admin listener (a probe
    // may use the node's name). It was 403 here and 200 there.
    auto health = testing::httpGet(admin, "evil.example:" + std::to_string(admin), "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(health->body, "ok\n");
}

TEST_F(HostileClientTest, TheAdminListenerBoundsChunkExtensions) {
    startShop();
    RawClient c(lab_->adminPort());
    c.send("POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5;" +
           std::string(2 * 1024 * 1024, 'e'));
    const std::string r = c.readAll(5s);
    EXPECT_EQ(statusOf(r), 400) << r.substr(0, 200);
    EXPECT_TRUE(c.closed());
}

}  // namespace
}  // namespace ilab::lab
