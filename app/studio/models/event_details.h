#pragma once
// The request inspector's text: one request as HTML for a QTextBrowser. What arrived, how the
// controller routed it, every upstream try with its timings, faults that acted, and for a
// composed request the decision core's trace and the headers as sent, as the controller
// rewrote them and as the pod received them. Pure functions; GUI thread or any.
#include <QString>

#include "app/studio/bridge/lab_session.h"
#include "engine/telemetry/request_event.h"

namespace ilab::studio {

// `epoch`: second 0 of the shown lab's series, for the timestamps.
QString eventDetailsHtml(const telemetry::RequestEvent& event, telemetry::TimePoint epoch);

// A composed request; `event` is the proxy's record of it once it has arrived (may be null).
QString composedDetailsHtml(const ComposedResult& result, const telemetry::RequestEvent* event,
                            telemetry::TimePoint epoch);

}  // namespace ilab::studio
