#pragma once
// The Ingress specification alone (networking.k8s.io/v1), as any conformant controller must
// route it: no annotation honoured, Prefix matched by path element, Exact, ImplementationSpecific
// as Prefix, spec.defaultBackend for requests no rule matches, one-label wildcards. What the
// kubernetes-sigs/ingress-controller-conformance suite checks. `explain --controller spec` and
// `check --controller spec` show what a manifest does on any conformant controller.
#include <memory>

#include "engine/controllers/controller.h"

namespace ilab::controllers {

std::unique_ptr<Controller> makeIngressSpec();

}  // namespace ilab::controllers
