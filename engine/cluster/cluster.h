#pragma once
// The simulated cluster: every pod the manifests would run, each a small HTTP/1.1 echo server on
// its own loopback address (like a pod IP), with a behaviour model, readiness and faults.
// Endpoints follow readiness, as in a cluster. No Asio in this header: the io_context is only
// forward-declared, so front ends that include it stay cheap to compile.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/model/manifests.h"

namespace boost::asio {
class io_context;
}

namespace ilab::cluster {

using Millis = std::chrono::milliseconds;

// How long a pod takes to answer. Normal: mean and standard deviation. LogNormal: from the p50
// and p99 a user can read off a dashboard.
struct LatencyModel {
    enum class Kind { None, Constant, Uniform, Normal, LogNormal };
    Kind kind = Kind::None;
    double a_ms = 0;  // Constant: value; Uniform: min; Normal: mean; LogNormal: p50
    double b_ms = 0;  // Uniform: max; Normal: stddev; LogNormal: p99
    bool operator==(const LatencyModel&) const = default;
};

// What a workload's pods do, settable at any time through the engine API.
struct Behavior {
    LatencyModel latency;
    double error_ratio = 0;  // share of requests answered with error_status
    int error_status = 500;
    std::uint64_t response_bytes = 0;  // pad echo bodies to at least this size
    Millis readiness_delay{0};         // unready for this long after (re)start
    // The application answers 503 for this long after (re)start while it warms up. With a
    // readiness_delay at least as long, no client sees it; without one (no readiness probe)
    // the pod is in the endpoints from the start and its 503s reach clients.
    Millis startup_time{0};
    std::optional<std::uint64_t> crash_after_requests;
    std::optional<Millis> crash_at;    // since the lab started
    Millis restart_backoff{1000};      // doubles per restart, capped at 5 min (kubelet's rule)
    Millis slow_start{0};              // extra latency fading linearly to 0 over this time
    double slow_start_extra_ms = 500;  // the extra latency right after a (re)start
    Millis termination_grace{30000};   // graceful termination: unready, drain, then exit
    bool operator==(const Behavior&) const = default;
};

struct Endpoint {
    std::string pod;
    std::string namespace_;
    std::string ip;
    std::uint16_t port = 0;  // the port actually bound (the containerPort unless ephemeral)
};

enum class PodPhase { Pending, Running, Terminating, CrashLoopBackOff, Stopped };
std::string_view podPhaseName(PodPhase phase);

struct PodStatus {
    std::string name, namespace_, ip, owner_kind, owner_name;
    std::map<std::string, std::string> labels;
    PodPhase phase = PodPhase::Pending;
    bool ready = false;
    int restarts = 0;
    std::vector<std::pair<std::uint16_t, std::uint16_t>> ports;  // containerPort -> bound port
    std::uint64_t requests = 0;
    std::vector<std::uint64_t> active_faults;
};

// Where a fault or behaviour applies.
struct Target {
    enum class Kind { Pod, Workload, Service };
    Kind kind = Kind::Pod;
    std::string namespace_ = "default";
    std::string name;
};

struct FaultSpec {
    enum class Kind {
        Kill,               // the pod's process dies; it restarts with back-off
        Unready,            // readiness fails: out of every Service's endpoints
        Latency,            // add latency_ms +- jitter_ms
        Status,             // answer with `status`
        Reset,              // reset the connection (RST) instead of answering
        BlackHole,          // accept and read, never answer
        Throttle,           // send the response at bytes_per_second
        CloseAfterHeaders,  // send the response headers, then close
    };
    Kind kind = Kind::Status;
    Target target;
    // Per request, drawn from the cluster's seeded random source. Kill draws once per targeted
    // pod when the window opens (p = 0.5 kills about half a Service's pods); Unready ignores it.
    double probability = 1.0;
    std::optional<Millis> start;     // window relative to now; nullopt: at once
    std::optional<Millis> duration;  // nullopt: until cleared
    int status = 503;
    double latency_ms = 0, jitter_ms = 0;
    std::uint64_t bytes_per_second = 0;
};

// One change in the cluster, for the studio, the web UI and scenario reports.
struct ClusterEvent {
    enum class Kind {
        PodStarted,
        PodReady,
        PodUnready,
        PodCrashed,
        PodRestarted,
        PodStopped,
        FaultInjected,
        FaultCleared,
        BehaviorChanged
    };
    Kind kind;
    std::string pod;  // namespace/name, or "" for cluster-wide events
    std::string detail;
    std::chrono::steady_clock::time_point at;
    std::uint64_t fault_id = 0;  // FaultInjected and FaultCleared: the fault's id
};

struct ClusterOptions {
    // Pods get consecutive addresses from here: 127.77.0.1, 127.77.0.2, ... Empty: the first
    // pod network 127.N.0.0/16 (N = 77..126) that no other lab on the machine holds
    // (choosePodNetwork()); the cluster holds it while it lives.
    std::string address_base = "127.77.0.0";
    // Bind port 0 and read the port back instead of the containerPort (tests; machines where
    // the container ports are taken).
    bool ephemeral_ports = false;
    std::uint64_t seed = 1;
};

// A pod network held by one lab: a TCP socket bound (not listening) to its base address, so
// another lab choosing a network sees it taken. Released on destruction. Move-only.
class PodNetworkClaim {
  public:
    PodNetworkClaim() = default;
    ~PodNetworkClaim();
    PodNetworkClaim(PodNetworkClaim&& other) noexcept;
    PodNetworkClaim& operator=(PodNetworkClaim&& other) noexcept;
    const std::string& base() const { return base_; }  // "" when nothing is held
    // Claims `base` ("127.91.0.0"); false when another lab holds it.
    bool claim(const std::string& base);

  private:
    int fd_ = -1;
    std::string base_;
};

// The first network 127.N.0.0/16, N = 77..126, that no other lab claims and where the first
// pod address can bind `ports` (a lab without claims, e.g. an older version, may hold them).
// Empty claim when every one is taken.
PodNetworkClaim choosePodNetwork(const std::vector<std::uint16_t>& ports);

class Cluster {
  public:
    // Creates the pods of `manifests` (not yet listening). The io_context runs the pods' I/O;
    // the caller runs it on its own threads.
    static std::unique_ptr<Cluster> create(boost::asio::io_context& io,
                                           const model::Manifests& manifests,
                                           ClusterOptions options);
    virtual ~Cluster() = default;

    // Binds every pod's ports and starts serving. A port that cannot be bound becomes a
    // diagnostic and that pod stays Pending (unready); the others serve. Any thread.
    virtual void start(core::Diagnostics& diagnostics) = 0;
    // Closes every listener and connection; returns when they are closed. Any thread.
    virtual void stop() = 0;
    // Applies changed manifests: new pods start, removed pods terminate gracefully, kept pods
    // (same namespace/name) keep running. Any thread.
    virtual void apply(const model::Manifests& manifests, core::Diagnostics& diagnostics) = 0;

    // The ready endpoints of a Service port (port by number or name, as an Ingress names it).
    // Thread-safe and cheap: the proxy calls it per request.
    virtual std::vector<Endpoint> readyEndpoints(std::string_view namespace_,
                                                 std::string_view service,
                                                 std::string_view port) const = 0;
    // The same list without copying it: an immutable snapshot, never null (empty when the port
    // is unknown). The proxy may hold it for the rest of a request.
    virtual std::shared_ptr<const std::vector<Endpoint>> endpointList(
        std::string_view namespace_, std::string_view service, std::string_view port) const = 0;
    virtual std::vector<PodStatus> pods() const = 0;
    // Where pod addresses start ("127.77.0.0"): the options' address_base, or the network
    // chosen when that was empty. Any thread.
    virtual std::string addressBase() const = 0;

    virtual void setBehavior(const Target& target, const Behavior& behavior) = 0;
    // Returns the fault's id (for clearFault); the pod list shows it while active.
    virtual std::uint64_t injectFault(const FaultSpec& fault) = 0;
    virtual bool clearFault(std::uint64_t id) = 0;

    // Called on the cluster's strand for every event; keep the callback cheap.
    virtual void subscribe(std::function<void(const ClusterEvent&)> listener) = 0;
};

}  // namespace ilab::cluster
