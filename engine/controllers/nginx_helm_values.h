#pragma once
// The `controller:` block of the ingress-nginx Helm chart's values file, rendered the way the
// chart renders it: the flags of templates/_params.tpl and the ConfigMap of
// templates/controller-configmap.yaml. What it sets that the lab reads: config,
// allowSnippetAnnotations, extraArgs, ingressClass, ingressClassResource (name,
// controllerValue), ingressClassByName, watchIngressWithoutClass, scope (enabled, namespace),
// and defaultBackend.enabled. Everything else in the file is the chart's business (images,
// resources, Services) and is left alone. docs/controllers.md, "ingress-nginx's Helm values".
#include <optional>
#include <string>
#include <vector>

#include "engine/controllers/controller.h"
#include "engine/model/objects.h"

namespace ilab::controllers::nginx {

struct HelmValues {
    std::vector<ControllerArg> args;              // at the values that set them
    std::optional<model::ConfigMap> config_map;   // when the chart would put keys in it
};

// The release the lab installs: `helm install ingress-nginx ingress-nginx/ingress-nginx
// --namespace ingress-nginx`, whose ConfigMap is ingress-nginx/ingress-nginx-controller.
inline constexpr const char* kReleaseNamespace = "ingress-nginx";

// Reads the values file at `path` (a regular file of at most 16 MiB, as every input). Findings
// go to `findings`: an unreadable or malformed file (nullopt), a value of the wrong type at its
// line and column.
std::optional<HelmValues> readHelmValues(const std::string& path, core::Diagnostics& findings);
// The same from text (tests, the web editor); `file_name` names it in findings.
std::optional<HelmValues> readHelmValuesText(const std::string& text, const std::string& file_name,
                                             core::Diagnostics& findings);

}  // namespace ilab::controllers::nginx
