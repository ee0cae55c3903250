#pragma once
// Runs a scenario on the live engine, in real time, over real sockets: starts a lab on
// ephemeral loopback ports, applies the behaviours, checks the request expectations through
// the decision core and the live proxy, sends the traffic while playing the timeline, then
// measures every metric expectation and the route coverage.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/scenario/scenario.h"

namespace ilab::lab {
class Lab;
}

namespace ilab::scenario {

struct ExpectationResult {
    enum class Kind { Request, Metric, Coverage };
    Kind kind = Kind::Metric;
    std::string name;
    bool passed = false;
    std::string expected;  // what the scenario asked for, one line
    std::string measured;  // what the run found, one line
    std::optional<double> value;
    core::SourceLocation location;
};

struct ProfileSummary {
    std::string name;
    std::uint64_t requests = 0, errors = 0;  // errors: 5xx or no response
    std::uint64_t by_class[6] = {0, 0, 0, 0, 0, 0};  // none, 1xx..5xx
    std::map<int, std::uint64_t> by_status;           // each status that occurred; 0: none
    double rate = 0;                                  // requests per second over the run
    double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};

struct RouteCoverage {
    std::string ingress, host, path, service;
    std::uint64_t requests = 0;
    std::uint64_t failed = 0;  // of them: no answer or 5xx (a reached rule is not a working one)
};

// One second of the run, for reports' plots.
struct SecondPoint {
    int second = 0;
    std::uint64_t requests = 0, errors = 0;
    std::uint64_t by_class[6] = {0, 0, 0, 0, 0, 0};
    double p50_ms = 0, p99_ms = 0;
    std::vector<std::pair<std::string, std::uint64_t>> by_service;  // requests per backend
};

struct AppliedEvent {
    double at_s = 0, until_s = 0;  // until_s == at_s: instantaneous
    std::string text;
};

struct RunResult {
    std::string scenario, file, description;
    std::uint64_t seed = 0;
    double planned_s = 0, elapsed_s = 0;
    bool incomplete = false;  // cut short (SIGINT): what was measured is still reported
    std::vector<ExpectationResult> expectations;
    std::vector<ProfileSummary> profiles;
    std::vector<RouteCoverage> coverage;
    double coverage_percent = 0;
    std::vector<SecondPoint> seconds;
    std::vector<AppliedEvent> timeline;
    // Weighted canary splits configured at the start, for the report.
    struct CanarySplit {
        std::string main, canary;
        double percent = 0;  // at the start
        std::vector<std::pair<double, double>> steps;  // (run second, percent) as it changed
    };
    std::vector<CanarySplit> canary_weights;
    // The lab's controllers when it ran several: "<name>: <title>", the first first.
    std::vector<std::string> controllers;
    std::uint64_t requests = 0;
    bool passed() const;
};

struct Progress {
    double elapsed_s = 0, planned_s = 0;
    std::uint64_t requests = 0, errors = 0;
    double rate = 0;  // over the last second
};

struct RunOptions {
    std::optional<double> coverage_fail_under;  // overrides the scenario's
    std::function<void(const Progress&)> progress;  // about once a second, runner thread
    const std::atomic<bool>* cancel = nullptr;      // set to stop early (SIGINT)
    std::string ca_directory;                       // the lab CA's home; "" : the default
    // For a front end watching the run (the studio): called on the runner's thread once the
    // run's lab serves, before any traffic, and again just before it stops, so views can
    // attach to its telemetry and cluster and let go of them. Keep them short.
    std::function<void(lab::Lab&)> on_lab_started;
    std::function<void(lab::Lab&)> on_lab_stopping;
    // Each expectation as soon as it is judged: request expectations before the traffic or at
    // their time, metrics and coverage at the end. Runner thread.
    std::function<void(const ExpectationResult&)> on_result;
};

// Runs `scenario`. Returns nullopt when it cannot run: `diagnostics` then holds input errors
// (bad manifests, unknown names: exit 2) or runtime errors (code ILAB-RUN-*: exit 3).
std::optional<RunResult> runScenario(const Scenario& scenario, const RunOptions& options,
                                     core::Diagnostics& diagnostics);

}  // namespace ilab::scenario
