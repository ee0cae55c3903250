#pragma once
// One pod's HTTP/1.1 server: a listener per port on the pod's loopback address and a session
// per connection, all on one strand. It knows sockets and HTTP only; what to answer (latency,
// status, faults, when to crash) comes from the cluster through Callbacks::plan, so lifecycle
// policy stays in cluster.cpp and Beast stays in pod_server.cpp. No Asio in this header.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/cluster/behavior.h"
#include "engine/cluster/echo.h"

namespace boost::asio {
class io_context;
}

namespace ilab::cluster {

// How the pod answers one request, decided by the cluster when the request has been read.
struct RequestPlan {
    enum class Action { Answer, Reset, BlackHole, CloseAfterHeaders };
    Action action = Action::Answer;
    int status = 200;
    double delay_ms = 0;
    std::uint64_t pad_to_bytes = 0;
    std::uint64_t throttle_bytes_per_second = 0;  // 0: full speed
    bool crash_after = false;                     // the pod crashes once this response is written
    bool close_connection = false;                // answer, then close (terminating pods)
    std::optional<std::string> service;
    std::shared_ptr<const PodInfo> pod;  // null: the server's own
    std::string faults;                  // fault kinds applied, for the X-Lab-Fault header
};

class PodServer {
  public:
    struct Callbacks {
        // Called on the pod's strand once per request, after its body has been read.
        std::function<RequestPlan(std::uint16_t container_port, const LabDirectives&)> plan;
        // Called on the pod's strand after a response whose plan said crash_after.
        std::function<void()> crash;
    };

    static std::shared_ptr<PodServer> create(boost::asio::io_context& io,
                                             std::shared_ptr<const PodInfo> info,
                                             Callbacks callbacks);
    virtual ~PodServer() = default;

    // Binds ip:port (0: an ephemeral port) and listens at once; accepting starts on the strand.
    // Returns the bound port, or 0 with `error` set. Any thread.
    virtual std::uint16_t listen(std::uint16_t container_port, std::uint16_t port,
                                 std::string& error) = 0;
    // Stops listening on one port; its open connections carry on. Any thread.
    virtual void closeListener(std::uint16_t container_port) = 0;
    // Graceful: stops listening, closes idle connections, lets in-flight requests finish (their
    // responses say Connection: close), then calls `done` on the strand. Any thread.
    virtual void drain(std::function<void()> done) = 0;
    // Abrupt: closes every listener and connection; calls `done` on the strand once every
    // session has ended. Any thread; idempotent.
    virtual void close(std::function<void()> done) = 0;
};

}  // namespace ilab::cluster
