#pragma once
// Prometheus text exposition (format 0.0.4) of a Snapshot, shaped like ingress-nginx's
// socket collector so dashboards and alerts written for it work against the lab unchanged:
// the same metric names, types, help texts, label names, label order, default buckets, and
// the same number formatting as Go's client_golang (1e+06, NaN, +Inf). docs/telemetry.md
// lists every metric. Pure function of its inputs; any thread.
#include <string>
#include <string_view>

#include "engine/telemetry/snapshot.h"

namespace ilab::telemetry {

// The controller labels ingress-nginx adds to every series (its ConstLabels).
struct PrometheusOptions {
    std::string controller_class = "k8s.io/ingress-nginx";        // --controller-class
    std::string controller_namespace = "ingress-nginx";           // POD_NAMESPACE of a Helm install
    std::string controller_pod = "ingress-nginx-controller-lab";  // POD_NAME
    // The lab's own ingress_lab_telemetry_* counters (events aggregated, dropped, left out).
    bool lab_metrics = true;
};

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string renderPrometheus(const Snapshot& snapshot, const PrometheusOptions& options = {});

// Exposed for tests and other exporters.
// A float as Go's strconv.FormatFloat(v, 'g', -1, 64), which client_golang uses for sample
// values and "le"/"quantile" labels: shortest round-trip digits, exponent form below 1e-4 and
// from 1e+06 on, and "+Inf", "-Inf", "NaN".
std::string formatPrometheusFloat(double value);
// A label value between double quotes: backslash, double quote and newline escaped; invalid
// UTF-8 replaced by U+FFFD (client_golang refuses such values; the lab keeps the sample).
std::string escapeLabelValue(std::string_view value);

}  // namespace ilab::telemetry
