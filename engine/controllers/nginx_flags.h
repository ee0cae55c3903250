#pragma once
// ingress-nginx's command-line flags (its container args, as the Helm chart renders them from
// controller.extraArgs and friends), read as pkg/flags/flags.go declares them: the ones that
// decide what it claims and answers are honoured, the rest are known and said to be outside
// the lab, and an unknown flag is a warning with did-you-mean (ingress-nginx itself would not
// start). ILAB-CONFIG-007 and -008 (docs/diagnostics.md).
#include <string>
#include <vector>

#include "engine/controllers/controller.h"

namespace ilab::controllers::nginx {

// Applies `args` over `load` (--ingress-class, --controller-class, --watch-ingress-without-class,
// --ingress-class-by-name, --watch-namespace, --disable-catch-all) and `compile` (--configmap,
// --default-backend-service). Findings about them go to `findings`.
void applyFlags(const std::vector<ControllerArg>& args, model::LoadOptions& load,
                routing::CompileOptions& compile, core::Diagnostics& findings);

}  // namespace ilab::controllers::nginx
