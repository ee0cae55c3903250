#include "engine/telemetry/admin_pages.h"

#include "engine/telemetry/prometheus.h"

namespace ilab::telemetry {

AdminPage healthzPage() {
    return {200, "text/plain", "ok\n"};
}

AdminPage metricsPage(const Snapshot& snapshot, std::string_view controller_class) {
    PrometheusOptions options;
    if (!controller_class.empty()) options.controller_class = std::string(controller_class);
    return {200, std::string(kPrometheusContentType), renderPrometheus(snapshot, options)};
}

}  // namespace ilab::telemetry
