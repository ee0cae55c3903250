#pragma once
// `--controller ID` on check and explain: which controller plug-in simulates the manifests
// (docs/controllers.md). Without it, the controller the manifests' classes name.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/controllers/controller.h"
#include "engine/lab/lab.h"

namespace ilab::cli {

// Adds the option; an unknown id is a usage error that names the known ones.
CLI::Option* addControllerOption(CLI::App& command, std::string& id);

// `--configmap NAMESPACE/NAME`: the ConfigMap ingress-nginx reads its settings from (its own
// --configmap flag); default ingress-nginx/ingress-nginx-controller.
void addConfigMapOption(CLI::App& command, std::string& reference);

// `--values FILE`: the ingress-nginx Helm chart's values file (its controller: block).
void addValuesOption(CLI::App& command, std::string& path);
// Applies --values to `controller`'s claiming (`load`, with the ConfigMap the chart would
// install) and compiling (`compile`). Findings go to `findings`; false when the file cannot be
// used (unreadable, malformed, a controller other than ingress-nginx).
bool applyValues(const std::string& path, const controllers::Controller& controller,
                 model::LoadOptions& load, routing::CompileOptions& compile,
                 core::Diagnostics& findings);

// `--also-controller ID` (serve): more controllers beside the first, each on its own ports.
void addAlsoControllerOption(CLI::App& command, std::vector<std::string>& ids);
// A name for another controller `id` that no controller of `options` has yet: its id, else
// "<id>-2", "<id>-3", ...
std::string uniqueControllerName(const std::string& id, const lab::LabOptions& options);

// The chosen controller, with `load` set to claim Ingresses its way; with no id, the one that
// claims under `load` as it is.
const controllers::Controller& chosenController(const std::string& id, model::LoadOptions& load);

// After loading: the controller that claims IngressClass `ingress_class` (the plug-in its
// spec.controller names, or whose default class it is when the manifests define no such class),
// with `manifests` claimed again for it; null with `error` when no controller the lab simulates
// claims it.
const controllers::Controller* controllerForClass(const std::string& ingress_class,
                                                  const model::LoadOptions& base,
                                                  model::Manifests& manifests, std::string& error);

}  // namespace ilab::cli
