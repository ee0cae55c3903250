#pragma once
// The web API's request bodies (docs/web-api.md), read into the engine's values and checked
// before anything changes: a field of the wrong JSON type, a number out of its range or a
// character that would break an HTTP message is refused with the field's JSON path, never
// ignored, clamped or passed on. Pure functions; any thread.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/cluster/cluster.h"
#include "engine/scenario/scenario.h"

namespace ilab::web {

using Json = nlohmann::json;

// Why a body was refused (400). `code` is the error code of docs/web-api.md: "type" (a field
// of the wrong JSON type), "range" (a number outside its range), "characters" (a method,
// header, cookie or URL that cannot go into an HTTP request as given), or the endpoint's own
// code for a missing or unknown value ("fault", "request", "action").
struct FieldError {
    std::string code;
    std::string field;  // JSON path in the body: "rate", "weights[2]", "headers[0][1]"; "" the body
    std::string message;  // names the field and what it must be
};

// A fault from POST /api/v1/faults.
std::optional<cluster::FaultSpec> faultFromJson(const Json& body, FieldError& error);

// A request for the composer (POST /api/v1/requests): method and header names are tokens,
// header and cookie values hold no control characters (CR, LF, NUL, ...; a tab is fine in a
// header value), cookie values no ';', the URL no spaces or control characters.
std::optional<scenario::RequestSpec> requestFromJson(const Json& body, FieldError& error);

// What POST /api/v1/traffic asks for; every part optional.
struct TrafficChange {
    std::string action;           // "", "start", "pause", "resume" or "stop"
    std::optional<double> rate;   // 0..kMaxTrafficRate
    std::vector<double> weights;  // 0..kMaxTrafficWeight each, at most one per mix entry
    bool has_weights = false;
};
inline constexpr double kMaxTrafficRate = 20000;
// As a scenario's traffic.mix[].weight: the sum over a mix stays finite, so every entry with
// a weight is drawn (1e308 twice would make the sum infinite and send everything to one).
inline constexpr double kMaxTrafficWeight = 1e6;

std::optional<TrafficChange> trafficFromJson(const Json& body, std::size_t mix_entries,
                                             FieldError& error);

// RFC 9110 token characters (methods, header names, cookie names).
bool isToken(std::string_view text);

}  // namespace ilab::web
