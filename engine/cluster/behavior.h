#pragma once
// The pure arithmetic of pod behaviour: latency draws, back-off, slow start, and the
// per-request directives (/status/503, /delay/250ms, /bytes/N, X-Lab-Status, X-Lab-Delay).
// No I/O, so every rule here is unit-tested without sockets.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/cluster/cluster.h"
#include "engine/core/random.h"

namespace ilab::cluster {

// Longest delay a request may ask for; longer asks are clamped so a typo cannot park a
// connection for hours.
inline constexpr double kMaxDelayMs = 10.0 * 60 * 1000;
// kubelet's cap on the crash back-off.
inline constexpr Millis kMaxRestartBackoff{5 * 60 * 1000};

// Uniform in [0, 1) with 53 bits.
double uniform01(core::Random& random);
// Standard normal (Box-Muller; one draw pair per call keeps the sequence simple to replay).
double standardNormal(core::Random& random);
// One latency draw in milliseconds, never negative. None gives 0.
double sampleLatencyMs(const LatencyModel& model, core::Random& random);

// "250ms", "1s", "1.5s", "2m", "250" (milliseconds). nullopt when malformed or negative.
std::optional<double> parseDurationMs(std::string_view text);

// The wait before restart number `crashes` (0-based): base * 2^crashes, capped at 5 min.
Millis restartBackoff(Millis base, int crashes);

// Extra latency `since_start` after a (re)start: slow_start_extra_ms fading linearly to 0.
double slowStartExtraMs(const Behavior& behavior, Millis since_start);

// What one request asks the pod to do on purpose.
struct LabDirectives {
    std::optional<int> status;           // path .../status/N or X-Lab-Status
    double delay_ms = 0;                 // path .../delay/D plus X-Lab-Delay
    std::optional<std::uint64_t> bytes;  // path .../bytes/N: answer N bytes instead of the echo
    std::string error;                   // a malformed directive: answer 400 saying this
};

// Reads the directives from the request path (without the query) and the two headers (empty
// when absent). A path directive is its last two segments, so it survives an Ingress prefix:
// /shop/status/503 works like /status/503.
LabDirectives parseDirectives(std::string_view path, std::string_view status_header,
                              std::string_view delay_header);

}  // namespace ilab::cluster
