#pragma once
// Builders for RequestEvents in telemetry tests: a plain proxied GET by default, with times
// relative to a fixed epoch so no test reads a real clock.
#include <chrono>
#include <string>

#include "engine/telemetry/request_event.h"

namespace ilab::telemetry::fixtures {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

inline TimePoint epoch() {
    return TimePoint{} + std::chrono::hours{1000};
}

// 2000-10-10 20:55:36 UTC, the Common Log Format example's instant.
inline WallTime wallClock() {
    return WallTime{} + seconds{971211336};
}

struct EventSpec {
    Micros at{0};           // completion, since epoch()
    Micros duration{2000};  // request time
    int status = 200;
    std::string ingress_ns = "shop";
    std::string ingress = "web";
    std::string service = "web";
    std::string port = "80";
    std::string pod = "web-7d4b9c8f6-x2kq9";
    std::string host = "shop.example.com";
    std::string path = "/";
    std::string method = "GET";
    bool canary = false;
    std::string canary_service = "web-canary";
};

inline RequestEvent makeEvent(const EventSpec& spec = {}) {
    RequestEvent e;
    e.request_id = "5f1c0a3e9b2d4c6f8a7e1d3c5b9f0a2e";
    e.client_address = "127.0.0.1";
    e.scheme = "http";
    e.http_version = "HTTP/1.1";
    e.method = spec.method;
    e.host = spec.host;
    e.target = spec.path;
    e.user_agent = "curl/7.88.1";
    e.ingress = {spec.ingress_ns, spec.ingress};
    e.rule_path = spec.path;
    e.service = {spec.ingress_ns, spec.service, spec.port};
    e.canary = spec.canary;
    if (spec.canary) e.canary_service = {spec.ingress_ns, spec.canary_service, spec.port};
    e.decision = "forward";
    e.status = spec.status;
    e.request_length = 80;
    e.bytes_sent = 250;
    e.body_bytes_sent = 100;
    e.complete = epoch() + spec.at;
    e.accepted = e.complete - spec.duration;
    e.routed = e.accepted + microseconds{20};
    e.wall_time = wallClock();
    if (!spec.pod.empty()) {
        UpstreamAttempt up;
        up.address = "127.1.0.5:8080";
        up.pod = spec.pod;
        up.status = spec.status;
        up.start = *e.routed;
        up.connected = up.start + microseconds{100};
        up.first_byte = up.start + microseconds{1000};
        up.end = up.start + microseconds{1500};
        up.response_length = 100;
        e.upstreams.push_back(up);
    }
    return e;
}

}  // namespace ilab::telemetry::fixtures
