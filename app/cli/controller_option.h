#pragma once
// `--controller ID` on check and explain: which controller plug-in simulates the manifests
// (docs/controllers.md). Without it, the controller the manifests' classes name.
#include <string>

#include <CLI/CLI.hpp>

#include "engine/controllers/controller.h"

namespace ilab::cli {

// Adds the option; an unknown id is a usage error that names the known ones.
void addControllerOption(CLI::App& command, std::string& id);

// `--configmap NAMESPACE/NAME`: the ConfigMap ingress-nginx reads its settings from (its own
// --configmap flag); default ingress-nginx/ingress-nginx-controller.
void addConfigMapOption(CLI::App& command, std::string& reference);

// The chosen controller, with `load` set to claim Ingresses its way; with no id, the one that
// claims under `load` as it is.
const controllers::Controller& chosenController(const std::string& id, model::LoadOptions& load);

}  // namespace ilab::cli
