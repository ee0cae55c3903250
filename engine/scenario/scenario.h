#pragma once
// A scenario: the lab's unit of work. The topology (manifests), how its workloads behave, the
// traffic, a timeline of faults and changes, and what must hold. docs/scenarios.md is the
// reference; loadScenario() reads one from YAML with a located diagnostic for every mistake.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/controllers/controller.h"
#include "engine/model/objects.h"
#include "engine/core/diagnostic.h"
#include "engine/routing/request.h"

namespace ilab::scenario {

using Millis = std::chrono::milliseconds;

// One request as a scenario writes it.
struct RequestSpec {
    std::string method = "GET";
    std::string url;  // http://host/path?query or https://...
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::pair<std::string, std::string>> cookies;
    std::uint64_t body_bytes = 0;
    std::string client_ip;  // a loopback address to send from ("" : 127.0.0.1)
    double weight = 1;      // in a traffic mix
    // The controller it is sent to, by its name in spec.controllers; "": the first.
    std::string controller;
    core::SourceLocation location;

    // Derived from url by the loader.
    std::string scheme, host, target;  // target: path and query
};

// One controller of the lab (spec.controllers): none given runs ingress-nginx alone, as before.
// The first is the lab's own (its default backend, its admin listener); each runs its own proxy
// in front of the same Services and pods.
struct ControllerEntry {
    std::string name;        // how traffic and expectations name it; default: its plug-in's id
    std::string controller;  // a plug-in id ("spec") or IngressClass spec.controller value
    std::string controller_class;  // the spec.controller value it claims; "": the plug-in's
    std::string ingress_class;     // the class it answers to; "": the plug-in's default
    std::string config_map;        // "namespace/name" of its ConfigMap; "": its default
    bool watch_ingress_without_class = false;
    // Its command-line flags (ingress-nginx's --default-backend-service, --disable-catch-all,
    // ...), applied after the fields above, checked where they are written.
    std::vector<controllers::ControllerArg> args;
    // The ingress-nginx Helm chart's values file (its controller: block), resolved inside the
    // scenario's folder: its flags come first in `args`, its ConfigMap is installed_config_map
    // (the first controller's ingress-nginx/ingress-nginx-controller, another's
    // ingress-nginx/<name>-controller, which its --configmap then names).
    std::string values;
    std::optional<model::ConfigMap> installed_config_map;
    // Ports for `serve` to try first (taken: any free one); `run` always takes free ones.
    std::optional<std::uint16_t> http_port, https_port;
    core::SourceLocation location;
};

// An open-model arrival rate that ramps linearly to `target` over `duration`.
struct Stage {
    Millis duration{0};
    double target = 0;
};

struct TrafficProfile {
    std::string name;
    // Open model: requests per second (constant), or stages from `rate` (default 0).
    double rate = 0;
    std::vector<Stage> stages;
    // Closed model: this many virtual users, each sending its next request when the previous
    // one is answered, after think_time.
    int virtual_users = 0;
    Millis think_time{0};
    Millis start{0};                   // offset from the run's start
    std::optional<Millis> duration;    // default: to the end of the run
    std::vector<RequestSpec> requests;  // the mix, drawn by weight
    core::SourceLocation location;
};

// Where a behaviour or a fault applies, as written.
struct TargetSpec {
    cluster::Target target;
    core::SourceLocation location;
};

struct BehaviorSpec {
    TargetSpec target;
    cluster::Behavior behavior;
};

// kubectl scale.
struct ScaleSpec {
    std::string namespace_ = "default", workload;
    int replicas = 1;
};

// kubectl rollout restart of a Deployment: new pods replace the old ones, at most max_surge
// above the desired count and at most max_unavailable below it, each old pod leaving only
// when enough new ones are ready (readiness, as the Deployment controller counts it).
struct RollSpec {
    std::string namespace_ = "default", workload;
    int max_surge = 1, max_unavailable = 0;
};

// A progressive canary: set canary-weight on the canary Ingress to each weight in turn,
// `every` apart; before each step, the canary Service's error rate over the last step must be
// at most max_error_rate, else the weight goes to 0 (rolled back) and the promotion stops.
struct PromoteSpec {
    std::string namespace_ = "default", ingress, service;
    std::vector<int> weights;
    Millis every{5000};
    double max_error_rate = 0.05;
};

// One timeline entry: at `at` (for `duration`, when given) do one thing.
struct TimelineEntry {
    enum class Kind { Fault, Behavior, Apply, Pause, Scale, Roll, Promote };
    Kind kind = Kind::Fault;
    Millis at{0};
    std::optional<Millis> duration;
    cluster::FaultSpec fault;      // Fault (its target, window from at/for)
    core::SourceLocation fault_target_location;  // Fault: where its target is written
    BehaviorSpec behavior;         // Behavior
    std::string apply_path;        // Apply: a manifest file applied over the scenario's
    core::SourceLocation apply_location;  // where the file is named
    std::string pause_profile;     // Pause: "" pauses every profile
    ScaleSpec scale;
    RollSpec roll;
    PromoteSpec promote;
    core::SourceLocation location;
    std::string describe() const;  // one line for reports ("fault latency on service web")
};

// What must happen to one request, checked through the decision core and the live proxy.
struct RequestExpectation {
    std::string name;
    RequestSpec request;
    std::optional<int> status;
    std::optional<std::string> backend;  // Service name; "" means no backend (answered by the
                                         // controller)
    std::optional<bool> canary;
    std::optional<std::string> location_header;
    std::optional<std::string> upstream_path;
    // When to check it, in run time: nullopt checks it before the traffic starts; a time
    // checks it then (after a timeline change, during a fault).
    std::optional<Millis> at;
    core::SourceLocation location;
};

// Which measured requests a metric expectation looks at.
struct MetricFilter {
    std::string profile, service, ingress, pod, route, controller;  // "" : any
    std::string status;  // "503", "5xx" or "" (any)
    std::optional<Millis> from, to;  // window in run time
};

struct MetricExpectation {
    enum class Metric {
        LatencyPercentile,  // percentile (0..100] of latency in ms from the intended send time
        LatencyMean,
        ErrorRate,    // share of requests with a 5xx or no response at all
        StatusCount,  // requests matching the filter (use status in the filter)
        Requests,     // requests matching the filter
        Share,        // share of the filtered requests that `share_of` served
        PodsReached,  // distinct pods that answered
    };
    std::string name;
    Metric metric = Metric::Requests;
    double percentile = 99;
    std::string share_of;  // Share: a Service name
    MetricFilter filter;
    std::optional<double> min, max;  // bounds, inclusive (ms for latencies)
    core::SourceLocation location;
    std::string describe() const;  // "latency p99 of service web < 250 ms"
};

struct Scenario {
    std::string name, description;
    std::string file;                    // the scenario file ("" when read from text)
    // Paths resolved against the scenario's folder; each one stays inside it once symlinks are
    // followed (ILAB-SCENARIO-007), so a scenario cannot make the lab read /etc/shadow.
    std::vector<std::string> manifests;
    // YAML text, when given inline. A literal block ("manifestsInline: |") keeps the scenario
    // file's coordinates: blank lines up to its first line, its lines indented as written
    // (document markers at column 0), so a finding about an inline manifest names the line and
    // column it has in the scenario file. Other scalars are read as they are.
    std::string inline_manifests;
    // The file name findings about inline manifests give: `file` for a literal block, else
    // "<file> (manifestsInline)", whose lines count from the value's first.
    std::string inline_manifests_name;
    std::vector<ControllerEntry> controllers;  // empty: ingress-nginx alone
    std::uint64_t seed = 1;
    Millis duration{10000};
    std::vector<BehaviorSpec> behaviors;
    std::vector<TrafficProfile> traffic;
    std::vector<TimelineEntry> timeline;
    std::vector<RequestExpectation> request_expectations;
    std::vector<MetricExpectation> metric_expectations;
    std::optional<double> coverage_fail_under;  // percent of rules the traffic must reach
};

// The index in `controllers` of the one named `name` ("" : the first); nullopt when none is.
std::optional<std::size_t> controllerIndex(const Scenario& scenario, std::string_view name);

struct LoadedScenario {
    std::optional<Scenario> scenario;  // set unless the file could not be read or parsed
    core::Diagnostics diagnostics;     // errors make the scenario unusable (exit 2)
};

// Reads and checks a scenario file: a regular file of at most core::kMaxInputBytes (a FIFO or
// a device is refused, never read). Paths in it are resolved against its folder and must stay
// inside it; `base_directory` is that folder for text read elsewhere ("" : the current one).
LoadedScenario loadScenario(const std::string& path);
LoadedScenario loadScenarioFromText(const std::string& text, const std::string& file_name,
                                    const std::string& base_directory);

// Fills scheme, host (with any port) and target from "http://host[:port]/path?query".
// Returns false when the URL is not http(s) or names no host.
bool splitUrl(RequestSpec& request);
// The request as the decision core sees it, arriving on a listener at `port`.
routing::Request routingRequest(const RequestSpec& request, std::uint16_t port);

// "250ms", "2s", "1.5s", "1m": a duration as scenarios write them.
std::optional<Millis> parseDuration(std::string_view text);

}  // namespace ilab::scenario
