#pragma once
// The web API's JSON shapes (docs/web-api.md), built from the engine's values. Pure functions;
// any thread. File paths are given relative to the lab's folder (`base`), never absolute: the
// API must not leak where the server's files live.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/workbench/edge_stats.h"
#include "engine/workbench/topology.h"
#include "engine/workbench/workbench.h"

namespace ilab::web {

using Json = nlohmann::json;

// "manifests.yaml" for a file under `base`; the file's name alone otherwise.
std::string relativePath(const std::string& file, const std::string& base);

Json toJson(const workbench::TopologyGraph& graph);
Json toJson(const core::Diagnostics& diagnostics, const std::string& base);
Json eventJson(const telemetry::RequestEvent& event, const workbench::Flow& flow,
               telemetry::TimePoint epoch);
Json edgeStatsJson(const std::map<workbench::EdgeKey, workbench::EdgeStats>& stats);
Json healthJson(const std::map<std::string, workbench::Health>& health);
// The last `seconds` finished seconds of the totals, each Service and each Ingress.
Json seriesJson(const telemetry::Snapshot& snapshot, std::int64_t seconds);
Json faultsJson(const std::vector<workbench::ActiveFault>& faults);
Json trafficJson(const workbench::Workbench& bench);
Json labJson(const workbench::Workbench& bench, const std::string& base);
Json composedJson(const workbench::ComposedResult& result, const workbench::Flow* flow);
Json expectationJson(const scenario::ExpectationResult& result, const std::string& base);

}  // namespace ilab::web
