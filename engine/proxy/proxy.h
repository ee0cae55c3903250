#pragma once
// The live proxy: terminates HTTP/1.1 and HTTPS on loopback, decides each request with the
// RouteTable, and forwards to the simulated pods with keep-alive upstream pools. No Asio and no
// OpenSSL in this header.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/cluster/cluster.h"
#include "engine/core/diagnostic.h"
#include "engine/routing/route_table.h"
#include "engine/telemetry/telemetry.h"

namespace boost::asio {
class io_context;
}

namespace ilab::tls {
class TlsStore;
}

namespace ilab::proxy {

using Millis = std::chrono::milliseconds;

// Limits that keep hostile or broken clients from crashing or stalling the proxy
// (docs/proxy.md). The defaults follow nginx where it has one.
struct ProxyLimits {
    std::uint32_t max_header_bytes = 16 * 1024;  // request line + headers, else 431
    // A chunk-size line with its extensions, or a chunked body's trailer section, else 400.
    // nginx skips both without keeping them; the lab's parser keeps each whole, so it bounds it.
    std::uint32_t max_chunk_meta_bytes = 16 * 1024;
    std::size_t max_target_bytes = 8 * 1024;     // request-target, else 414
    std::size_t max_header_count = 100;          // else 431
    Millis header_timeout{10000};       // whole request head must arrive in this time (slowloris)
    Millis body_timeout{60000};         // between body reads (client_body_timeout)
    Millis keepalive_timeout{75000};    // idle client connection (keepalive_timeout)
    Millis send_timeout{60000};         // writing to a client that does not read
    Millis handshake_timeout{10000};    // whole TLS handshake from accept (a stalled ClientHello)
    Millis tls_shutdown_timeout{1000};  // sending close_notify; the peer's is not awaited
    // Lingering close of plain connections (nginx's lingering_time and lingering_timeout):
    // what a client still sends after our last response is read and dropped for this long.
    Millis lingering_time{30000};
    Millis lingering_timeout{5000};
    // upstream-keepalive-connections: ingress-nginx's default 320. With 64, 200 busy clients
    // churned thousands of new pod connections a second and halved throughput (tests/perf).
    std::size_t upstream_idle_per_endpoint = 320;
};

struct ProxyOptions {
    ProxyLimits limits;
    std::uint64_t seed = 1;  // canary and load-balancing draws
    // The controller this proxy is: its name in the lab, which every request event carries, and its
    // IngressClass spec.controller name, the controller_class label of its metrics.
    std::string controller_id = "ingress-nginx";
    std::string controller_class = "k8s.io/ingress-nginx";
};

struct ListenerSpec {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port; read it back from the return value
};

// Counters for tests and the closing summary; telemetry proper lives in engine/telemetry.
struct ProxyCounters {
    std::uint64_t requests = 0;
    std::uint64_t status_2xx = 0, status_3xx = 0, status_4xx = 0, status_5xx = 0;
    std::uint64_t upstream_connects = 0;  // new upstream connections (keep-alive reuse saves them)
    std::uint64_t upstream_retries = 0;
    std::uint64_t tls_handshakes = 0;          // completed
    std::uint64_t tls_handshake_failures = 0;  // refused protocol, no shared cipher, timeout, ...
};

class Proxy {
  public:
    static std::unique_ptr<Proxy> create(boost::asio::io_context& io,
                                         const cluster::Cluster& cluster, ProxyOptions options);
    virtual ~Proxy() = default;

    // Publishes a new table; requests that already started finish on the one they matched.
    // Any thread.
    virtual void setRouteTable(std::shared_ptr<const routing::RouteTable> table) = 0;
    virtual std::shared_ptr<const routing::RouteTable> routeTable() const = 0;

    // Publishes the certificates HTTPS handshakes choose from by SNI; a handshake that already
    // picked its certificate keeps it. Also says which hosts have TLS configured, for HSTS.
    // Any thread.
    virtual void setTlsStore(std::shared_ptr<const tls::TlsStore> store) = 0;
    virtual std::shared_ptr<const tls::TlsStore> tlsStore() const = 0;

    // Binds a plain-HTTP listener and starts accepting. Returns the bound port, or 0 with a
    // diagnostic. Any thread.
    virtual std::uint16_t listenHttp(const ListenerSpec& spec, core::Diagnostics& diagnostics) = 0;
    // Binds an HTTPS listener: TLS terminated here, the certificate chosen by SNI from the
    // published TlsStore, requests then routed by Host with scheme "https". Publish a store
    // first: its options set the protocol range of every HTTPS listener, and handshakes fail
    // (internal_error alert) while none is published. Returns the bound port, or 0 with a
    // diagnostic. Any thread.
    virtual std::uint16_t listenHttps(const ListenerSpec& spec, core::Diagnostics& diagnostics) = 0;

    // Stops accepting, closes client and upstream connections, and returns when that is done.
    // Call while the io_context still runs, from another thread.
    // The admin listener: GET /metrics (Prometheus, ingress-nginx's metric names) and
    // GET /healthz. Returns the bound port, or 0 with a diagnostic. Any thread.
    virtual std::uint16_t listenAdmin(const ListenerSpec& spec, core::Diagnostics& diagnostics) = 0;

    virtual void stop() = 0;
    virtual ProxyCounters counters() const = 0;
    // One event per request, histograms and time series; subscribe for batches. The proxy
    // flushes it every 50 ms on its own thread.
    virtual telemetry::Telemetry& telemetry() = 0;
};

}  // namespace ilab::proxy
