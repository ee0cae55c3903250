#pragma once
// ingress-nginx (controller k8s.io/ingress-nginx), per v1.15: its annotation dialect
// (engine/dialect/nginx_*) and nginx's server/location routing (engine/routing).
#include <memory>

#include "engine/controllers/controller.h"

namespace ilab::controllers {

std::unique_ptr<Controller> makeIngressNginx();

}  // namespace ilab::controllers
