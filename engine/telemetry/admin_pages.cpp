#include "engine/telemetry/admin_pages.h"

#include "engine/telemetry/prometheus.h"

namespace ilab::telemetry {

AdminPage healthzPage() {
    return {200, "text/plain", "ok\n"};
}

AdminPage metricsPage(const Snapshot& snapshot) {
    return {200, std::string(kPrometheusContentType), renderPrometheus(snapshot)};
}

}  // namespace ilab::telemetry
