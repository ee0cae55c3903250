#pragma once
// The JSON form of a Decision: the contract of `ingress-lab explain -o json`, also used by the
// web API. Field names are documented in docs/cli.md.
#include <nlohmann/json.hpp>

#include "engine/routing/decision.h"

namespace ilab::routing {

nlohmann::json decisionToJson(const Decision& decision);

}  // namespace ilab::routing
