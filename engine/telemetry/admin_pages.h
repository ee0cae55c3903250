#pragma once
// The pages every admin listener of the lab serves, alike on the lab's own (engine/proxy) and
// the web lab's (app/web/server): /healthz for liveness probes, answered before any Host check
// because it tells nothing, and /metrics in Prometheus' text format, only once the listener
// has accepted the request's Host (a page elsewhere that points its own name at 127.0.0.1 must
// not read the lab's figures).
#include <string>
#include <string_view>

#include "engine/telemetry/snapshot.h"

namespace ilab::telemetry {

struct AdminPage {
    int status = 200;
    std::string content_type;
    std::string body;
};

constexpr std::string_view kHealthzPath = "/healthz";
constexpr std::string_view kMetricsPath = "/metrics";

AdminPage healthzPage();
// `controller_class`: the IngressClass controller name its series are labelled with ("" : the
// default, ingress-nginx's).
AdminPage metricsPage(const Snapshot& snapshot, std::string_view controller_class = {});

}  // namespace ilab::telemetry
