#include "engine/scenario/scenario_manifests.h"

#include <filesystem>
#include <memory>

#include "engine/controllers/controller.h"
#include "engine/scenario/scenario_lab.h"
#include "engine/core/input_file.h"
#include "engine/core/text.h"

namespace ilab::scenario {
namespace {

namespace fs = std::filesystem;

// Objects read from the input; not the ones loading adds (the controller's IngressClass).
std::size_t objectCount(const model::Manifests& m) {
    return m.objects_read + m.ignored.size();
}

core::SourceLocation fileLocation(const std::string& path) {
    return {std::make_shared<const std::string>(path), 0, 0};
}

}  // namespace

model::LoadOptions scenarioLoadOptions(const Scenario& s, model::LoadOptions load) {
    if (!s.file.empty()) {
        const auto folder = fs::path(s.file).parent_path();
        load.confine_to = folder.empty() ? "." : folder.string();
    }
    if (s.controllers.empty()) return load;
    for (const auto& c : s.controllers)  // what each install's values put in its ConfigMap
        if (c.installed_config_map) load.installed_config_maps.push_back(*c.installed_config_map);
    // An unknown controller: the scenario's own diagnostic said so.
    return lab::claimingFor(controllerSpec(s.controllers.front()), load).value_or(load);
}

model::Manifests loadScenarioManifests(const Scenario& s, const model::LoadOptions& load) {
    return s.inline_manifests.empty()
               ? model::loadManifests(s.manifests, load)
               : model::loadManifestsFromText(s.inline_manifests, s.inline_manifests_name, load);
}

bool isScenarioPath(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return fs::is_regular_file(fs::path(path) / "scenario.yaml", ec);
    if (!fs::is_regular_file(path, ec)) return false;
    const core::InputText input = core::readInputFile(path);
    if (!input.ok()) return false;
    const std::string& t = input.text;
    return t.find("apiVersion: ingress-lab.dev/") != std::string::npos &&
           t.find("kind: Scenario") != std::string::npos;
}

model::Manifests loadInputManifests(const std::vector<std::string>& paths,
                                    const model::LoadOptions& load) {
    std::string scenario_path;
    for (const auto& p : paths)
        if (p != "-" && isScenarioPath(p)) scenario_path = p;
    if (!scenario_path.empty() && paths.size() > 1) {
        model::Manifests m;
        m.diagnostics.error("ILAB-INPUT-006",
                            core::quoted(scenario_path) + " is a scenario: give it alone",
                            fileLocation(scenario_path),
                            "check a scenario by itself (its manifests are read as `run` reads "
                            "them), or give manifest files and folders");
        m.input_unreadable = true;
        return m;
    }
    model::Manifests m;
    core::Diagnostics scenario_findings;
    if (scenario_path.empty()) {
        m = model::loadManifests(paths, load);
    } else {
        LoadedScenario loaded = loadScenario(scenario_path);
        if (!loaded.scenario) {
            m.diagnostics = std::move(loaded.diagnostics);
            m.input_unreadable = true;
            return m;
        }
        scenario_findings = std::move(loaded.diagnostics);
        m = loadScenarioManifests(*loaded.scenario, scenarioLoadOptions(*loaded.scenario, load));
    }
    if (!m.input_unreadable && !m.diagnostics.hasErrors() && objectCount(m) == 0) {
        std::string named;
        for (const auto& p : paths)
            named += (named.empty() ? "" : ", ") + core::quoted(p);
        m.diagnostics.warning("ILAB-INPUT-005", "no Kubernetes objects in " + named,
                              fileLocation(paths.empty() ? std::string() : paths.front()),
                              "an empty folder, a file of comments or only the lab's own files: "
                              "give the manifests (a scenario stands for its own)");
    }
    if (!scenario_findings.items().empty()) {
        scenario_findings.append(m.diagnostics);
        m.diagnostics = std::move(scenario_findings);
    }
    return m;
}

routing::CompileOptions scenarioCompileOptions(const Scenario& s, routing::CompileOptions base) {
    if (!s.controllers.empty()) lab::claimingFor(controllerSpec(s.controllers.front()), {}, &base);
    return base;
}

const controllers::Controller* scenarioController(const Scenario& s) {
    return s.controllers.empty() ? nullptr
                                 : controllers::Registry::builtin().find(s.controllers.front().controller);
}

std::optional<InputController> inputController(const std::vector<std::string>& paths,
                                               const routing::CompileOptions& base) {
    if (paths.size() != 1 || paths.front() == "-" || !isScenarioPath(paths.front()))
        return std::nullopt;
    const LoadedScenario loaded = loadScenario(paths.front());
    if (!loaded.scenario || !scenarioController(*loaded.scenario)) return std::nullopt;
    return InputController{scenarioController(*loaded.scenario),
                           scenarioCompileOptions(*loaded.scenario, base)};
}


}  // namespace ilab::scenario
