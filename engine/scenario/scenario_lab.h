#pragma once
// The lab a scenario asks for: its spec.controllers as the lab's controllers. `run`, the
// studio and the web lab start a scenario's lab through it.
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "engine/lab/lab.h"
#include "engine/scenario/scenario.h"

namespace ilab::scenario {

// A spec.controllers entry as the lab takes it, without listeners.
lab::ControllerSpec controllerSpec(const ControllerEntry& entry);

// The first controller of spec.controllers claims through `options.load` (set it with
// scenarioLoadOptions() first) and reads its ConfigMap; the others become
// options.more_controllers, listening on options.http's address: on their own ports when
// `use_ports` (serve), else on free ones (run). Nothing changes for a scenario without
// spec.controllers.
void applyScenarioControllers(const Scenario& scenario, lab::LabOptions& options, bool use_ports);

// The listeners of every named controller of a running lab started that way, for the
// scenario's clients (LoadTarget::controllers).
std::map<std::string, std::pair<std::uint16_t, std::uint16_t>> controllerPorts(
    const Scenario& scenario, const lab::Lab& lab);

}  // namespace ilab::scenario
