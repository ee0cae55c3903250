// Integration tests over real loopback sockets: every pod binds an ephemeral port on its own
// 127.77.0.x address. Waiting is polling with a deadline, never a bare sleep.
#include "engine/cluster/cluster.h"

#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cluster/pod_client.h"

namespace ilab::cluster {
namespace {

using namespace std::chrono_literals;
using testing::PodClient;
using testing::PodResponse;
using testing::ReadEnd;
using Json = nlohmann::json;

const char* kTopology = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, version: v1}}
    spec:
      containers:
      - name: app
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: metrics}
spec:
  selector: {app: web}
  ports: [{port: 9090, targetPort: 9090}]
---
apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Service
metadata: {name: solo}
spec:
  selector: {app: solo}
  ports: [{port: 80}]
)";

// Polls `condition` until it holds or `deadline` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 2s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(5ms);  // a polling interval, not synchronisation
    }
    return condition();
}

class ClusterTest : public ::testing::Test {
  protected:
    // Two io threads, as the lab runs it: the cluster must not rely on a single thread.
    void SetUp() override {
        for (auto& thread : threads_)
            thread = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        if (cluster_) cluster_->stop();
        cluster_.reset();
        work_.reset();
        for (auto& thread : threads_)
            thread.join();
    }

    // Creates the cluster; `before_start` sets behaviours before pods bind.
    void launch(const std::string& yaml = kTopology,
                const std::function<void(Cluster&)>& before_start = {}) {
        manifests_ = model::loadManifestsFromText(yaml, "topology.yaml");
        ASSERT_FALSE(manifests_.diagnostics.hasErrors());
        ClusterOptions options;
        options.ephemeral_ports = true;
        options.seed = 42;
        cluster_ = Cluster::create(io_, manifests_, options);
        cluster_->subscribe([this](const ClusterEvent& event) {
            std::lock_guard lock(events_mutex_);
            events_.push_back(event);
        });
        if (before_start) before_start(*cluster_);
        core::Diagnostics diagnostics;
        cluster_->start(diagnostics);
        ASSERT_TRUE(diagnostics.empty()) << formatDiagnostic(diagnostics.items()[0]);
    }

    std::optional<PodStatus> pod(const std::string& name_prefix) const {
        for (auto& p : cluster_->pods())
            if (p.name.rfind(name_prefix, 0) == 0) return p;
        return std::nullopt;
    }

    // The bound port of a pod's container port.
    std::uint16_t port(const PodStatus& p, std::uint16_t container_port) const {
        for (auto [c, b] : p.ports)
            if (c == container_port) return b;
        return 0;
    }

    // Events arrive asynchronously (on the cluster's strand): waits for one with a deadline.
    bool sawEvent(ClusterEvent::Kind kind, const std::string& pod_part = "") {
        return eventually([&] {
            std::lock_guard lock(events_mutex_);
            for (const auto& e : events_)
                if (e.kind == kind && e.pod.find(pod_part) != std::string::npos) return true;
            return false;
        });
    }

    std::size_t endpointCount(std::string_view service, std::string_view port) const {
        return cluster_->readyEndpoints("default", service, port).size();
    }

    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        io_.get_executor()};
    std::array<std::thread, 2> threads_;
    model::Manifests manifests_;
    std::unique_ptr<Cluster> cluster_;
    std::mutex events_mutex_;
    std::vector<ClusterEvent> events_;
};

TEST_F(ClusterTest, EchoReportsPodServiceAndRequest) {
    launch();
    const auto endpoints = cluster_->readyEndpoints("default", "web", "80");
    ASSERT_EQ(endpoints.size(), 2u);
    const Endpoint& e = endpoints[0];
    EXPECT_EQ(e.ip.rfind("127.77.0.", 0), 0u) << e.ip;
    PodClient client(e.ip, e.port);
    const auto res = client.request("POST", "/cart/add?item=7", {{"X-Test", "yes"}}, "abcde");
    ASSERT_TRUE(res) << client.error();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->header("server"), "ilab-pod");
    EXPECT_EQ(res->header("content-type"), "application/json");
    EXPECT_FALSE(res->header("date").empty());
    EXPECT_EQ(res->header("x-lab-pod"), "default/" + e.pod);
    const auto j = Json::parse(res->body);
    EXPECT_EQ(j["pod"], e.pod);
    EXPECT_EQ(j["namespace"], "default");
    EXPECT_EQ(j["pod_ip"], e.ip);
    EXPECT_EQ(j["port"], 8080);
    EXPECT_EQ(j["service"], "web");
    EXPECT_EQ(j["labels"]["app"], "web");
    EXPECT_EQ(j["version"], "v1");
    EXPECT_EQ(j["method"], "POST");
    EXPECT_EQ(j["path"], "/cart/add");
    EXPECT_EQ(j["query"], "item=7");
    EXPECT_EQ(j["headers"]["X-Test"], "yes");
    EXPECT_EQ(j["body_bytes"], 5);
    EXPECT_EQ(j["http_version"], "1.1");
}

TEST_F(ClusterTest, PodsListenOnContainerPortsServiceTargetPortsOr80) {
    launch();
    const auto web = pod("web-");
    ASSERT_TRUE(web);
    EXPECT_EQ(web->phase, PodPhase::Running);
    ASSERT_EQ(web->ports.size(), 2u);  // containerPort 8080 plus metrics' targetPort 9090
    EXPECT_EQ(web->ports[0].first, 8080);
    EXPECT_EQ(web->ports[1].first, 9090);
    const auto metrics = testing::podGet(web->ip, port(*web, 9090), "/");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(Json::parse(metrics->body)["service"], "metrics");
    const auto solo = pod("solo");
    ASSERT_TRUE(solo);
    ASSERT_EQ(solo->ports.size(), 1u);
    EXPECT_EQ(solo->ports[0].first, 80);
    EXPECT_EQ(solo->ip, "127.77.0.1");  // the loader lists bare Pods before workloads' pods
    EXPECT_TRUE(testing::podGet(solo->ip, port(*solo, 80), "/"));
}

TEST_F(ClusterTest, ReadyEndpointsResolveServicePortByNumberOrName) {
    launch();
    const auto by_number = cluster_->readyEndpoints("default", "web", "80");
    const auto by_name = cluster_->readyEndpoints("default", "web", "http");
    ASSERT_EQ(by_number.size(), 2u);
    ASSERT_EQ(by_name.size(), 2u);
    EXPECT_EQ(by_number[1].pod, by_name[1].pod);
    const auto web = pod(by_number[1].pod);
    ASSERT_TRUE(web);
    EXPECT_EQ(by_number[1].port, port(*web, 8080));  // targetPort "http" is 8080
    EXPECT_EQ(endpointCount("metrics", "9090"), 2u);
    EXPECT_EQ(endpointCount("web", "8080"), 0u);  // a targetPort is not a Service port
    EXPECT_TRUE(cluster_->readyEndpoints("other", "web", "80").empty());
    EXPECT_EQ(cluster_->endpointList("default", "web", "80")->size(), 2u);
}

TEST_F(ClusterTest, PathsAndHeadersMakeOneRequestMisbehave) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "web", "80").at(0);
    PodClient client(e.ip, e.port);  // one keep-alive connection for all of them
    auto res = client.request("GET", "/status/503");
    ASSERT_TRUE(res) << client.error();
    EXPECT_EQ(res->status, 503);
    EXPECT_EQ(Json::parse(res->body)["status"], 503);
    res = client.request("GET", "/", {{"X-Lab-Status", "418"}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 418);
    res = client.request("GET", "/delay/120ms");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_GE(res->elapsed, 115ms);
    res = client.request("GET", "/", {{"X-Lab-Delay", "100"}});
    ASSERT_TRUE(res);
    EXPECT_GE(res->elapsed, 95ms);
    res = client.request("GET", "/bytes/1048576");
    ASSERT_TRUE(res) << client.error();
    EXPECT_EQ(res->body.size(), 1048576u);
    EXPECT_EQ(res->header("content-type"), "application/octet-stream");
    res = client.request("GET", "/status/abc");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    res = client.request("HEAD", "/bytes/5000");
    ASSERT_TRUE(res) << client.error();
    EXPECT_EQ(res->header("content-length"), "5000");
    EXPECT_TRUE(res->body.empty());
    EXPECT_TRUE(res->keep_alive);
}

TEST_F(ClusterTest, KeepAliveHttp10AndChunkedBodies) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "solo", "80").at(0);
    PodClient keep(e.ip, e.port);
    ASSERT_TRUE(keep.request("GET", "/one"));
    auto second = keep.request("GET", "/two");
    ASSERT_TRUE(second);
    EXPECT_TRUE(second->keep_alive);

    PodClient old(e.ip, e.port);
    auto res = old.request("GET", "/", {}, {}, 10);
    ASSERT_TRUE(res) << old.error();
    EXPECT_EQ(Json::parse(res->body)["http_version"], "1.0");
    EXPECT_FALSE(res->keep_alive);
    res = old.request("GET", "/", {{"Connection", "keep-alive"}}, {}, 10);
    ASSERT_TRUE(res);
    EXPECT_TRUE(res->keep_alive);
    EXPECT_EQ(res->header("connection"), "keep-alive");

    // 3 chunks of 100 KiB, counted but never stored by the pod.
    PodClient chunked(e.ip, e.port);
    std::string request =
        "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n";
    const std::string chunk(100 * 1024, 'a');
    for (int i = 0; i < 3; ++i)
        request += "19000\r\n" + chunk + "\r\n";
    request += "0\r\n\r\n";
    ASSERT_TRUE(chunked.send(request));
    const auto raw = chunked.readUntilClosed(2s);
    EXPECT_EQ(raw.end, ReadEnd::Eof);
    const auto body = raw.bytes.substr(raw.bytes.find("\r\n\r\n") + 4);
    EXPECT_EQ(Json::parse(body)["body_bytes"], 3 * 100 * 1024);
    EXPECT_NE(raw.bytes.find("Connection: close"), std::string::npos);
}

TEST_F(ClusterTest, EndpointsFollowTheReadinessDelay) {
    launch(kTopology, [](Cluster& c) {
        Behavior slow;
        slow.readiness_delay = 250ms;
        c.setBehavior({Target::Kind::Workload, "default", "web"}, slow);
    });
    EXPECT_EQ(endpointCount("web", "80"), 0u);
    EXPECT_EQ(endpointCount("solo", "80"), 1u);  // other workloads are unaffected
    const auto web = pod("web-");
    ASSERT_TRUE(web);
    EXPECT_FALSE(web->ready);
    EXPECT_EQ(web->phase, PodPhase::Running);
    // An unready pod still answers when asked directly, as in Kubernetes.
    EXPECT_TRUE(testing::podGet(web->ip, port(*web, 8080), "/"));
    EXPECT_TRUE(eventually([&] { return endpointCount("web", "80") == 2; }));
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::PodReady, "web-"));
}

TEST_F(ClusterTest, CrashesAfterNRequestsThenRestartsWithBackoff) {
    launch(kTopology, [](Cluster& c) {
        Behavior fragile;
        fragile.crash_after_requests = 2;
        fragile.restart_backoff = 100ms;
        c.setBehavior({Target::Kind::Pod, "default", "solo"}, fragile);
    });
    const auto solo = pod("solo");
    ASSERT_TRUE(solo);
    const std::uint16_t solo_port = port(*solo, 80);
    PodClient client(solo->ip, solo_port);
    auto first = client.request("GET", "/");
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->keep_alive);
    auto second = client.request("GET", "/");
    ASSERT_TRUE(second);  // the Nth request is answered, then the pod dies
    EXPECT_FALSE(second->keep_alive);
    EXPECT_TRUE(eventually([&] { return pod("solo")->phase == PodPhase::CrashLoopBackOff; }));
    EXPECT_EQ(endpointCount("solo", "80"), 0u);
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::PodCrashed, "solo"));
    EXPECT_TRUE(eventually([&] {
        auto p = pod("solo");
        return p->phase == PodPhase::Running && p->ready && p->restarts == 1;
    }));
    EXPECT_EQ(port(*pod("solo"), 80), solo_port);  // back on the same address and port
    EXPECT_EQ(endpointCount("solo", "80"), 1u);
    EXPECT_TRUE(testing::podGet(solo->ip, solo_port, "/"));
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::PodRestarted, "solo"));
}

TEST_F(ClusterTest, CrashAtATimeSinceTheLabStarted) {
    launch(kTopology, [](Cluster& c) {
        Behavior doomed;
        doomed.crash_at = 100ms;
        doomed.restart_backoff = 50ms;
        c.setBehavior({Target::Kind::Pod, "default", "solo"}, doomed);
    });
    EXPECT_EQ(endpointCount("solo", "80"), 1u);
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::PodCrashed, "solo"));
    EXPECT_TRUE(eventually([&] { return pod("solo")->restarts == 1 && pod("solo")->ready; }));
}

TEST_F(ClusterTest, KillFaultCrashesThePodAndClosesItsConnections) {
    launch(kTopology, [](Cluster& c) {
        Behavior b;
        b.restart_backoff = 50ms;
        c.setBehavior({Target::Kind::Pod, "default", "solo"}, b);
    });
    const auto solo = pod("solo");
    PodClient idle(solo->ip, port(*solo, 80));
    ASSERT_TRUE(idle.request("GET", "/"));
    FaultSpec kill;
    kill.kind = FaultSpec::Kind::Kill;
    kill.target = {Target::Kind::Service, "default", "solo"};
    cluster_->injectFault(kill);
    EXPECT_EQ(idle.readUntilClosed(1s).end, ReadEnd::Eof);
    EXPECT_TRUE(eventually([&] { return pod("solo")->restarts == 1 && pod("solo")->ready; }));
}

TEST_F(ClusterTest, ResetFaultSendsRst) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "solo", "80").at(0);
    FaultSpec reset;
    reset.kind = FaultSpec::Kind::Reset;
    reset.target = {Target::Kind::Pod, "default", "solo"};
    const auto id = cluster_->injectFault(reset);
    EXPECT_EQ(pod("solo")->active_faults, std::vector<std::uint64_t>{id});
    PodClient raw(e.ip, e.port);
    ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto read = raw.readUntilClosed(1s);
    EXPECT_EQ(read.end, ReadEnd::Reset);
    EXPECT_TRUE(read.bytes.empty());
    EXPECT_TRUE(cluster_->clearFault(id));
    EXPECT_FALSE(cluster_->clearFault(id));
    EXPECT_TRUE(testing::podGet(e.ip, e.port, "/"));
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::FaultCleared));
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::FaultInjected));
}

TEST_F(ClusterTest, BlackHoleFaultReadsButNeverAnswers) {
    launch();
    const auto endpoints = cluster_->readyEndpoints("default", "web", "80");
    FaultSpec hole;
    hole.kind = FaultSpec::Kind::BlackHole;
    hole.target = {Target::Kind::Pod, "default", endpoints[0].pod};
    cluster_->injectFault(hole);
    PodClient raw(endpoints[0].ip, endpoints[0].port);
    ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto read = raw.readUntilClosed(300ms);
    EXPECT_EQ(read.end, ReadEnd::Timeout);  // neither an answer nor a close
    EXPECT_TRUE(read.bytes.empty());
    EXPECT_TRUE(testing::podGet(endpoints[1].ip, endpoints[1].port, "/"));  // its sibling answers
}

TEST_F(ClusterTest, CloseAfterHeadersTruncatesTheBody) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "solo", "80").at(0);
    FaultSpec cut;
    cut.kind = FaultSpec::Kind::CloseAfterHeaders;
    cut.target = {Target::Kind::Workload, "default", "web"};  // a bare pod has no workload
    cluster_->injectFault(cut);
    EXPECT_TRUE(testing::podGet(e.ip, e.port, "/"));
    cut.target = {Target::Kind::Pod, "default", "solo"};
    cluster_->injectFault(cut);
    PodClient raw(e.ip, e.port);
    ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto read = raw.readUntilClosed(1s);
    EXPECT_EQ(read.end, ReadEnd::Eof);
    EXPECT_EQ(read.bytes.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_TRUE(read.bytes.ends_with("\r\n\r\n"));  // the head and nothing after it
    EXPECT_NE(read.bytes.find("X-Lab-Fault: close-after-headers"), std::string::npos);
}

TEST_F(ClusterTest, StatusFaultProbabilityIsDrawnPerRequest) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "solo", "80").at(0);
    FaultSpec flaky;
    flaky.kind = FaultSpec::Kind::Status;
    flaky.status = 502;
    flaky.probability = 0.5;
    flaky.target = {Target::Kind::Service, "default", "solo"};
    cluster_->injectFault(flaky);
    PodClient client(e.ip, e.port);
    int errors = 0;
    for (int i = 0; i < 200; ++i) {
        const auto res = client.request("GET", "/");
        ASSERT_TRUE(res) << client.error();
        if (res->status == 502) {
            ++errors;
            EXPECT_EQ(res->header("x-lab-fault"), "status");
        }
    }
    EXPECT_GT(errors, 70);
    EXPECT_LT(errors, 130);
}

TEST_F(ClusterTest, UnreadyFaultWindowTakesThePodOutOfEndpoints) {
    launch();
    const auto endpoints = cluster_->readyEndpoints("default", "web", "80");
    FaultSpec unready;
    unready.kind = FaultSpec::Kind::Unready;
    unready.target = {Target::Kind::Pod, "default", endpoints[0].pod};
    unready.start = 100ms;
    unready.duration = 150ms;
    cluster_->injectFault(unready);
    EXPECT_EQ(endpointCount("web", "80"), 2u);  // the window has not opened yet
    EXPECT_TRUE(eventually([&] { return endpointCount("web", "80") == 1; }));
    EXPECT_EQ(cluster_->readyEndpoints("default", "web", "80")[0].pod, endpoints[1].pod);
    EXPECT_TRUE(eventually([&] { return endpointCount("web", "80") == 2; }));
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::FaultCleared));
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::PodUnready, endpoints[0].pod));
}

TEST_F(ClusterTest, LatencyAndThrottleFaultsSlowAnswersDown) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "solo", "80").at(0);
    FaultSpec slow;
    slow.kind = FaultSpec::Kind::Latency;
    slow.latency_ms = 100;
    slow.jitter_ms = 20;
    slow.target = {Target::Kind::Pod, "default", "solo"};
    const auto latency = cluster_->injectFault(slow);
    auto res = testing::podGet(e.ip, e.port, "/");
    ASSERT_TRUE(res);
    EXPECT_GE(res->elapsed, 75ms);
    cluster_->clearFault(latency);
    FaultSpec narrow;
    narrow.kind = FaultSpec::Kind::Throttle;
    narrow.bytes_per_second = 40'000;  // 2,000-byte slices every 50 ms
    narrow.target = {Target::Kind::Pod, "default", "solo"};
    cluster_->injectFault(narrow);
    res = testing::podGet(e.ip, e.port, "/bytes/12000");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body.size(), 12000u);
    EXPECT_GE(res->elapsed, 200ms);
}

TEST_F(ClusterTest, BehaviourLatencyErrorsAndPadding) {
    launch(kTopology, [](Cluster& c) {
        Behavior b;
        b.latency = {LatencyModel::Kind::Constant, 60, 0};
        b.response_bytes = 4096;
        c.setBehavior({Target::Kind::Pod, "default", "solo"}, b);
        Behavior failing;
        failing.error_ratio = 1.0;
        failing.error_status = 500;
        c.setBehavior({Target::Kind::Service, "default", "metrics"}, failing);
    });
    const auto e = cluster_->readyEndpoints("default", "solo", "80").at(0);
    const auto res = testing::podGet(e.ip, e.port, "/");
    ASSERT_TRUE(res);
    EXPECT_GE(res->elapsed, 55ms);
    EXPECT_EQ(res->body.size(), 4096u);
    EXPECT_TRUE(Json::accept(res->body));
    const auto web = cluster_->readyEndpoints("default", "web", "80").at(0);
    const auto failed = testing::podGet(web.ip, web.port, "/");
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, 500);
    // An explicit /status beats the error ratio: the request asked for it.
    EXPECT_EQ(testing::podGet(web.ip, web.port, "/status/201")->status, 201);
}

TEST_F(ClusterTest, ApplyKeepsPodsStartsNewOnesAndTerminatesRemovedOnes) {
    launch();
    const auto before = cluster_->readyEndpoints("default", "web", "80");
    std::string scaled = kTopology;
    scaled.replace(scaled.find("replicas: 2"), 11, "replicas: 3");
    scaled = scaled.substr(0, scaled.find("apiVersion: v1\nkind: Pod"));  // solo goes away
    auto manifests = model::loadManifestsFromText(scaled, "scaled.yaml");
    core::Diagnostics diagnostics;
    cluster_->apply(manifests, diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    const auto after = cluster_->readyEndpoints("default", "web", "80");
    ASSERT_EQ(after.size(), 3u);
    EXPECT_EQ(after[0].port, before[0].port);  // kept pods keep running where they were
    EXPECT_EQ(after[1].port, before[1].port);
    EXPECT_EQ(after[2].ip, "127.77.0.4");  // a new pod gets a new address
    EXPECT_TRUE(testing::podGet(after[2].ip, after[2].port, "/"));
    EXPECT_EQ(endpointCount("solo", "80"), 0u);
    EXPECT_TRUE(eventually([&] { return !pod("solo"); }));
    EXPECT_TRUE(sawEvent(ClusterEvent::Kind::PodStopped, "solo"));
}

TEST_F(ClusterTest, TerminationDrainsInFlightRequestsThenStops) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "solo", "80").at(0);
    std::optional<PodResponse> slow;
    std::thread in_flight([&] { slow = testing::podGet(e.ip, e.port, "/delay/300ms"); });
    ASSERT_TRUE(eventually([&] { return pod("solo")->requests == 1; }));
    const std::string without_solo =
        std::string(kTopology).substr(0, std::string(kTopology).find("apiVersion: v1\nkind: Pod"));
    core::Diagnostics diagnostics;
    cluster_->apply(model::loadManifestsFromText(without_solo, "less.yaml"), diagnostics);
    EXPECT_EQ(pod("solo")->phase, PodPhase::Terminating);
    EXPECT_EQ(endpointCount("solo", "80"), 0u);
    EXPECT_TRUE(eventually([&] {  // no longer listening (the close is asynchronous)
        PodClient late(e.ip, e.port);
        return !late.connect(100ms);
    }));
    in_flight.join();
    ASSERT_TRUE(slow);  // the in-flight request finished...
    EXPECT_EQ(slow->status, 200);
    EXPECT_FALSE(slow->keep_alive);  // ...on a connection the pod then closed
    EXPECT_TRUE(eventually([&] { return !pod("solo"); }));
}

TEST_F(ClusterTest, StopClosesEveryListener) {
    launch();
    const auto e = cluster_->readyEndpoints("default", "web", "80").at(0);
    PodClient idle(e.ip, e.port);
    ASSERT_TRUE(idle.request("GET", "/"));
    cluster_->stop();
    EXPECT_EQ(idle.readUntilClosed(1s).end, ReadEnd::Eof);
    PodClient late(e.ip, e.port);
    EXPECT_FALSE(late.connect(500ms));
    EXPECT_TRUE(cluster_->readyEndpoints("default", "web", "80").empty());
}

TEST_F(ClusterTest, BindFailureIsADiagnosticAndThePodStaysPending) {
    launch();
    const auto taken = cluster_->readyEndpoints("default", "web", "80").at(0);
    // A second cluster with fixed ports whose first pod lands on the same address and port.
    const std::string yaml = R"(
apiVersion: v1
kind: Pod
metadata: {name: clash, labels: {app: clash}}
spec: {containers: [{name: c, ports: [{containerPort: )" +
                             std::to_string(taken.port) + R"(}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: fine}
spec: {containers: [{name: c}]}
)";
    const auto manifests = model::loadManifestsFromText(yaml, "clash.yaml");
    ClusterOptions options;
    const auto last_octet = std::stoi(taken.ip.substr(taken.ip.rfind('.') + 1));
    options.address_base = "127.77.0." + std::to_string(last_octet - 1);
    auto second = Cluster::create(io_, manifests, options);
    core::Diagnostics diagnostics;
    second->start(diagnostics);
    ASSERT_GE(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics.items()[0].code, "ILAB-CLUSTER-002");
    EXPECT_NE(diagnostics.items()[0].message.find("default/clash"), std::string::npos);
    const auto pods = second->pods();
    ASSERT_EQ(pods.size(), 2u);
    EXPECT_EQ(pods[0].phase, PodPhase::Pending);
    EXPECT_FALSE(pods[0].ready);
    second->stop();
    // The first cluster's pod never noticed.
    EXPECT_TRUE(testing::podGet(taken.ip, taken.port, "/"));
}

TEST_F(ClusterTest, AddressBaseOutsideLoopbackIsRefused) {
    manifests_ = model::loadManifestsFromText(kTopology, "topology.yaml");
    ClusterOptions options;
    options.address_base = "10.0.0.0";
    cluster_ = Cluster::create(io_, manifests_, options);
    core::Diagnostics diagnostics;
    cluster_->start(diagnostics);
    EXPECT_TRUE(diagnostics.contains("ILAB-CLUSTER-001"));
    for (const auto& p : cluster_->pods())
        EXPECT_EQ(p.phase, PodPhase::Pending);
}

}  // namespace
}  // namespace ilab::cluster
