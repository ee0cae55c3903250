#pragma once
// One finished request as the proxy saw it: what arrived, how it was routed, which pods were
// tried, what went back, and when each step happened. The proxy fills one per request and
// hands it to Telemetry::record(); everything else (counters, histograms, time series, the
// Prometheus exposition, the access log, the front ends' request tables) is derived from it.
//
// Plain data with no invariants beyond the field comments: any thread may build, copy or read
// one. Strings are owned so an event outlives the connection that produced it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilab::telemetry {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Micros = std::chrono::microseconds;

// A namespaced Kubernetes object (an Ingress, a Service).
struct ObjectRef {
    std::string ns;
    std::string name;

    bool empty() const { return name.empty(); }
    std::string str() const;  // "ns/name", or "" when empty
};

// A Service backend as an Ingress names it.
struct ServiceRef {
    std::string ns;
    std::string name;
    std::string port;  // as the Ingress wrote it: a number ("80") or a port name ("http")

    bool empty() const { return name.empty(); }
    std::string str() const;  // "ns/name", or "" when empty
};

// One try at an upstream pod. nginx keeps the same record per try ($upstream_addr,
// $upstream_status, ... are comma-separated lists of them).
struct UpstreamAttempt {
    std::string address;  // "127.1.0.5:8080"
    std::string pod;      // "web-7d4b9c8f6-x2kq9"
    // Status of the response header from the pod; for a try that failed without one, what
    // nginx records: 502 for a refused or reset connection, 504 for a timeout. 0: none ("-").
    int status = 0;
    TimePoint start;                      // began connecting or took a pooled connection
    std::optional<TimePoint> connected;   // connection ready (== start for a pooled one)
    std::optional<TimePoint> first_byte;  // first byte of the response header arrived
    TimePoint end;                        // response complete, or the try failed
    std::uint64_t response_length = 0;    // body bytes read from the pod

    // nginx's $upstream_connect_time / _header_time / _response_time for this try, measured
    // from `start`. Empty when that step was never reached.
    std::optional<Micros> connectTime() const;
    std::optional<Micros> headerTime() const;
    Micros responseTime() const;
};

struct RequestEvent {
    // --- Who asked, and what ---
    std::string controller;      // the controller that answered, by its name in the lab
                                 // (lab::RunningController::name: "ingress-nginx")
    std::string request_id;      // X-Request-ID as forwarded (nginx $req_id: 32 hex digits)
    std::string client_address;  // "127.0.0.1" ($remote_addr)
    std::string remote_user;     // basic-auth user; "" when none
    std::string scheme;          // "http" or "https"
    std::string http_version;    // "HTTP/1.1"
    std::string method;          // "GET"; "" when the request line never parsed
    std::string host;            // lowercased, without port (nginx $host)
    std::string target;          // request-target as received, query included
    std::string referer;         // "" when absent
    std::string user_agent;      // "" when absent

    // --- How it was routed ---
    ObjectRef ingress;          // the Ingress whose rule matched; empty for the default server
    std::string rule_path;      // that rule's path ("/api"), nginx $location_path
    ServiceRef service;         // the rule's backend, as ingress-nginx labels metrics with it
    bool canary = false;        // the canary backend served the request
    ServiceRef canary_service;  // that canary backend, when `canary`
    // The weighted canary split's draw (1..total; the canary serves when it is <= its
    // weight), when one decided: the composer replays it to explain this very request.
    std::optional<std::uint64_t> canary_draw;
    // nginx's $proxy_upstream_name and $proxy_alternative_upstream_name. Leave empty to
    // derive them from `service` and `canary_service` ("<ns>-<name>-<port>"); set them when
    // the controller names the upstream otherwise ("upstream-default-backend").
    std::string upstream_name;
    std::string alternative_upstream_name;
    std::string decision;             // one line: what the decision core did and why
    std::vector<std::string> faults;  // faults that acted on this request, one line each

    // --- What went back ---
    int status = 0;                          // sent to the client (499: client closed first)
    std::uint64_t request_length = 0;        // request line + headers + body ($request_length)
    std::uint64_t bytes_sent = 0;            // headers + body to the client ($bytes_sent)
    std::uint64_t body_bytes_sent = 0;       // body only ($body_bytes_sent)
    std::vector<UpstreamAttempt> upstreams;  // in order; empty when no pod was contacted

    // --- When ---
    // `accepted` is when the proxy began reading this request: the accept for a connection's
    // first request, the request's first byte on a kept-alive connection (nginx starts
    // $request_time there too). `complete` is when the last response byte was written.
    TimePoint accepted;
    std::optional<TimePoint> tls_done;  // handshake finished (first request on a TLS connection)
    std::optional<TimePoint> routed;    // the decision core returned
    TimePoint complete;
    WallTime wall_time;  // wall clock at `complete`, for the access log

    // Derived values; all cheap.
    Micros requestTime() const;                          // complete - accepted, never negative
    const UpstreamAttempt* lastUpstream() const;         // the try that produced the response
    std::optional<TimePoint> upstreamConnected() const;  // of the last try
    std::optional<TimePoint> firstByte() const;          // of the last try
    std::string_view pod() const;                        // of the last try; "" when none
    std::uint32_t retries() const;                       // tries after the first
    const ServiceRef& servingService() const;            // canary_service when canary
    std::string upstreamName() const;                    // $proxy_upstream_name value, "" if none
    std::string alternativeUpstreamName() const;         // $proxy_alternative_upstream_name
};

// "<namespace>-<service>-<port>": how ingress-nginx names an upstream. "" for an empty ref.
std::string upstreamNameFor(const ServiceRef& service);

// 1..5 for 1xx..5xx; 0 for anything else (no status, 0, or out of range).
int statusClass(int status);

}  // namespace ilab::telemetry
