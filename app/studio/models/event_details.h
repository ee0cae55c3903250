#pragma once
// The request inspector's text: one request as HTML for a QTextBrowser. What arrived, how the
// controller routed it, every upstream try with its timings, faults that acted, and for a
// composed request the decision core's trace and the headers as sent, as the controller
// rewrote them and as the pod received them. Pure functions; GUI thread or any.
#include <QString>
#include <cstdint>
#include <optional>

#include "app/studio/bridge/lab_session.h"
#include "engine/telemetry/request_event.h"

namespace ilab::studio {

// A weighted canary split as configured: the canary serves draws 1..weight of 1..total.
struct CanaryOdds {
    std::uint64_t weight = 0, total = 0;
};
// The split that decided `event`, looked up in `table` by its Ingress, host and rule path;
// nullopt when the request met no weighted canary there.
std::optional<CanaryOdds> canaryOdds(const routing::RouteTable& table,
                                     const telemetry::RequestEvent& event);

// `epoch`: second 0 of the shown lab's series, for the timestamps. With `table`, a canary
// draw is shown against the split's weight ("7 of 100: the canary serves draws ≤ 10").
QString eventDetailsHtml(const telemetry::RequestEvent& event, telemetry::TimePoint epoch,
                         const routing::RouteTable* table = nullptr);

// A composed request; `event` is the proxy's record of it once it has arrived (may be null).
QString composedDetailsHtml(const ComposedResult& result, const telemetry::RequestEvent* event,
                            telemetry::TimePoint epoch, const routing::RouteTable* table = nullptr);

}  // namespace ilab::studio
