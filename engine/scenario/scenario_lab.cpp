#include "engine/scenario/scenario_lab.h"

#include "engine/scenario/scenario_manifests.h"

namespace ilab::scenario {

lab::ControllerSpec controllerSpec(const ControllerEntry& c) {
    lab::ControllerSpec spec;
    spec.name = c.name;
    spec.controller = c.controller;
    spec.controller_class = c.controller_class;
    spec.ingress_class = c.ingress_class;
    spec.watch_ingress_without_class = c.watch_ingress_without_class;
    spec.configuration = c.config_map;
    spec.args = c.args;
    return spec;
}

void applyScenarioControllers(const Scenario& s, lab::LabOptions& options, bool use_ports) {
    if (s.controllers.empty()) return;
    const ControllerEntry& first = s.controllers.front();
    options.name = first.name;
    options.plugin = first.controller;
    options.compile = scenarioCompileOptions(s, options.compile);
    options.more_controllers.clear();
    for (std::size_t i = 1; i < s.controllers.size(); ++i) {
        const ControllerEntry& c = s.controllers[i];
        lab::ControllerSpec spec = controllerSpec(c);
        spec.http = {options.http.address, use_ports ? c.http_port.value_or(0) : std::uint16_t{0}};
        if (options.https)
            spec.https = proxy::ListenerSpec{options.https->address,
                                             use_ports ? c.https_port.value_or(0) : std::uint16_t{0}};
        options.more_controllers.push_back(std::move(spec));
    }
}

std::map<std::string, std::pair<std::uint16_t, std::uint16_t>> controllerPorts(
    const Scenario& s, const lab::Lab& lab) {
    std::map<std::string, std::pair<std::uint16_t, std::uint16_t>> out;
    const auto running = lab.controllers();
    for (std::size_t i = 0; i < s.controllers.size() && i < running.size(); ++i)
        out[s.controllers[i].name] = {running[i].http_port, running[i].https_port};
    return out;
}

}  // namespace ilab::scenario
