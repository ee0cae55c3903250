#include "engine/controllers/ingress_nginx.h"

namespace ilab::controllers {
namespace {

class IngressNginx final : public Controller {
  public:
    std::string_view id() const override { return "ingress-nginx"; }
    std::string_view controllerName() const override { return model::kNginxController; }
    std::string_view title() const override { return "ingress-nginx v1.15"; }
    // The class its Helm chart installs (charts/ingress-nginx/values.yaml,
    // controller.ingressClassResource.name).
    std::string_view defaultClassName() const override { return "nginx"; }
    const dialect::Dialect& annotations() const override { return *dialect_; }

  private:
    std::unique_ptr<dialect::Dialect> dialect_ = dialect::makeNginxDialect();
};

}  // namespace

std::unique_ptr<Controller> makeIngressNginx() { return std::make_unique<IngressNginx>(); }

}  // namespace ilab::controllers
