#pragma once
// The scenario's clients: real HTTP/1.1 and HTTPS over loopback to the lab's listeners, on a
// thread of their own. Open-model profiles send at their arrival rate whatever the answers do,
// and each request's latency is measured from the moment it was due to be sent, so a stalled
// backend cannot hide behind coordinated omission. No Asio in this header.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/scenario/scenario.h"

namespace ilab::scenario {

using SteadyTime = std::chrono::steady_clock::time_point;

// One request the generator sent, and what came back.
struct RequestRecord {
    int profile = -1;  // index into the profiles; -1 for a single request (send())
    int request = 0;   // index into that profile's mix
    SteadyTime intended, sent, done;
    int status = 0;     // 0: no response (see error)
    std::string error;  // "connection refused", "timeout", ...
    std::string request_id;
    std::string location;  // the Location header, when any
    std::string body;      // kept for send() only
    std::uint64_t body_bytes = 0;

    double latencyMs() const {
        return std::chrono::duration<double, std::milli>(done - intended).count();
    }
};

struct LoadTarget {
    std::string address = "127.0.0.1";
    std::uint16_t http_port = 0;
    std::uint16_t https_port = 0;  // 0: https:// requests fail with an error record
    // The listeners of the controllers requests name (RequestSpec::controller), by name; a
    // request naming none goes to the ports above.
    struct Ports {
        std::uint16_t http = 0, https = 0;
    };
    std::map<std::string, Ports> controllers;
    std::chrono::milliseconds request_timeout{30000};
    std::size_t max_in_flight = 20000;  // beyond it a due request is recorded as not sent
};

class LoadGenerator {
  public:
    LoadGenerator(LoadTarget target, std::uint64_t seed);
    ~LoadGenerator();
    LoadGenerator(const LoadGenerator&) = delete;
    LoadGenerator& operator=(const LoadGenerator&) = delete;

    // Starts every profile against the run's clock: profile times count from `run_start`, and
    // nothing is sent after run_start + run_duration. A profile without requests sends
    // nothing (say why before starting: it is not an error here).
    void start(const std::vector<TrafficProfile>& profiles, SteadyTime run_start,
               std::chrono::milliseconds run_duration);
    // Pauses or resumes one profile ("" : all). Requests due while paused are not sent.
    void setPaused(const std::string& profile, bool paused);
    // Stops sending, waits up to `grace` for requests in flight, then abandons the rest
    // (recorded with error "abandoned at the end of the run").
    void stop(std::chrono::milliseconds grace);
    // Every finished request so far, in completion order; the generator keeps none.
    std::vector<RequestRecord> takeRecords();

    // Sends one request and waits for its answer (request expectations). Any thread but
    // the generator's; independent of start()/stop().
    RequestRecord send(const RequestSpec& request);

    std::uint64_t inFlight() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ilab::scenario
