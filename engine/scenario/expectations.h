#pragma once
// Judging a scenario run (expectations.cpp): the names a scenario uses, its request
// expectations and its metric expectations. Internal to engine/scenario.
#include <chrono>
#include <string>
#include <vector>

#include "engine/lab/lab.h"
#include "engine/scenario/load_generator.h"
#include "engine/scenario/runner.h"

namespace ilab::scenario {

// What the proxy recorded about one request, joined to the client's record by X-Request-ID.
struct RoutedAs {
    std::string ingress;  // "ns/name"
    std::string rule_path, service, pod;
    bool canary = false;
    int status = 0;
    std::chrono::steady_clock::time_point at;  // when the proxy finished it
    std::string host;      // as the request named it, lower-cased
};

// One request of the run with what the proxy recorded about it.
struct Measured {
    const RequestRecord* record;
    const RoutedAs* routed;  // null when the proxy never recorded it
    double at_s;             // intended send time, in run seconds
};

// "0.25", "12.5": a measured value for a report line, without trailing zeros.
std::string formatValue(double v, int digits = 3);
// "10.0%" for 0.1: a share or a rate as people read it.
std::string percentText(double fraction);
// Nearest-rank percentile (p in (0, 100]); 0 for no values.
double percentile(std::vector<double> values, double p);

// Every Service, Ingress, workload, pod and rule path the scenario names must exist in the
// manifests (ILAB-SCENARIO-006 otherwise).
void checkReferences(const Scenario& scenario, const model::Manifests& manifests,
                     core::Diagnostics& diagnostics);
// Checks one request expectation through the decision core and then the live proxy of the
// lab's controller number `controller` (the one the request names).
ExpectationResult checkRequest(const RequestExpectation& expectation, lab::Lab& lab,
                               LoadGenerator& client, std::size_t controller = 0);
// Measures one metric expectation over the run's requests.
ExpectationResult checkMetric(const MetricExpectation& expectation,
                              const std::vector<Measured>& measured, const Scenario& scenario);

}  // namespace ilab::scenario
