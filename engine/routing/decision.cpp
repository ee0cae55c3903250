#include "engine/routing/decision.h"

namespace ilab::routing {

std::string_view actionName(Action action) {
    switch (action) {
        case Action::Forward:
            return "forward";
        case Action::Redirect:
            return "redirect";
        case Action::Respond:
            return "respond";
    }
    return "respond";
}

std::string_view traceKindName(TraceStep::Kind kind) {
    switch (kind) {
        case TraceStep::Kind::Info:
            return "info";
        case TraceStep::Kind::Matched:
            return "matched";
        case TraceStep::Kind::Skipped:
            return "skipped";
        case TraceStep::Kind::Acted:
            return "acted";
    }
    return "info";
}

}  // namespace ilab::routing
