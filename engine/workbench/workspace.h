#pragma once
// What a front end opens: a scenario file or a set of manifest files and folders, expanded to
// the files the lab reads (and an editor shows), plus the traffic to drive when the scenario
// gives none. Pure functions of the file system; any thread.
#include <string>
#include <vector>

#include "engine/routing/route_table.h"
#include "engine/scenario/scenario.h"

namespace ilab::workbench {

// Files and folders as kubectl -f takes them: folders expanded recursively (.yaml, .yml,
// .json) in a stable order, the lab's own files (apiVersion ingress-lab.dev/...) left out,
// duplicates removed. Paths come back absolute.
std::vector<std::string> expandManifestPaths(const std::vector<std::string>& paths);

// "scenarios/shop" -> "scenarios/shop/scenario.yaml"; a file stays as it is.
std::string resolveScenarioPath(const std::string& path);

// Without a scenario: one GET per rule (regex paths left out), at 20 requests per second.
scenario::TrafficProfile trafficForRules(const routing::RouteTable& table);

// Why a lab has nothing to route, or "" when an Ingress rule is served: without one every
// request gets the default backend's 404 (a misspelled pathType makes the API server refuse
// the whole Ingress; the manifests' diagnostics say which).
std::string nothingRoutable(const routing::RouteTable& table);

// Why `profiles` have nothing to send, or "" when they have: the lab's nothingRoutable()
// reason when it has one, else that the mix is empty.
std::string nothingToSend(const std::vector<scenario::TrafficProfile>& profiles,
                          const routing::RouteTable* table);

// A scenario's profiles for an interactive lab that runs until stopped: flat rates (a ramp's
// last target), no start offsets, no end.
std::vector<scenario::TrafficProfile> interactiveProfiles(const scenario::Scenario& scenario);

// Requests per second of the open-model profiles.
double openRate(const std::vector<scenario::TrafficProfile>& profiles);

}  // namespace ilab::workbench
