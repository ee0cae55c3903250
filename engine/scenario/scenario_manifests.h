#pragma once
// The manifests behind a scenario, read one way for every command: `run` starts its lab on
// them, `check` lints them and `explain` routes through them. Pure functions of the file
// system; any thread.
#include <optional>
#include <string>
#include <vector>

#include "engine/controllers/controller.h"
#include "engine/model/manifests.h"
#include "engine/scenario/scenario.h"

namespace ilab::scenario {

// The LoadOptions a scenario's manifests are read with: `base` plus confinement to the
// scenario's folder (what it names must stay inside it, on every reload too), claimed by the
// first of its spec.controllers when it lists any.
model::LoadOptions scenarioLoadOptions(const Scenario& scenario, model::LoadOptions base = {});

// A scenario's manifests as `run` reads them: its manifestsInline (diagnostics name them
// Scenario::inline_manifests_name) or else the files and folders it names, with `load` from
// scenarioLoadOptions().
model::Manifests loadScenarioManifests(const Scenario& scenario, const model::LoadOptions& load);

// True for a scenario: a folder holding scenario.yaml, or a file that says
// `apiVersion: ingress-lab.dev/...` and `kind: Scenario`.
bool isScenarioPath(const std::string& path);

// What `check` and `explain` read from their -f paths: files and folders as kubectl -f reads
// them, or one scenario (given alone; with other paths ILAB-INPUT-006) standing for its
// manifests, read by loadScenarioManifests() with the scenario's own findings first. Input
// that holds no Kubernetes object at all (an empty folder, a file of comments) adds the
// warning ILAB-INPUT-005 instead of passing clean.
model::Manifests loadInputManifests(const std::vector<std::string>& paths,
                                    const model::LoadOptions& load);
// How a scenario's first controller compiles: `base` with its configMap and the flags of its
// values and args (--default-backend-service, --configmap). `base` unchanged without
// spec.controllers.
routing::CompileOptions scenarioCompileOptions(const Scenario& scenario,
                                               routing::CompileOptions base = {});
// The plug-in of a scenario's first controller; null without spec.controllers.
const controllers::Controller* scenarioController(const Scenario& scenario);
// For an input that is one scenario with spec.controllers: its first controller's plug-in and
// compile options (over `base`); nullopt for any other input.
struct InputController {
    const controllers::Controller* controller = nullptr;
    routing::CompileOptions compile;
};
std::optional<InputController> inputController(const std::vector<std::string>& paths,
                                               const routing::CompileOptions& base);


}  // namespace ilab::scenario
