#include "engine/controllers/controller.h"

#include <stdexcept>

#include "engine/controllers/ingress_nginx.h"
#include "engine/controllers/ingress_spec.h"
#include "engine/core/text.h"

namespace ilab::controllers {

model::LoadOptions Controller::claiming(model::LoadOptions base) const {
    base.controller = std::string(controllerName());
    if (base.default_class_name.empty()) base.default_class_name = std::string(defaultClassName());
    return base;
}

std::shared_ptr<const routing::RouteTable> Controller::compile(
    const model::Manifests& manifests, const routing::CompileOptions& options,
    core::Diagnostics* findings) const {
    routing::CompileOptions named = options;
    named.controller_id = std::string(id());
    named.controller_title = std::string(title());
    return routing::RouteTable::compile(manifests, annotations(), named, findings);
}

std::string Controller::configurationFor(std::string_view) const {
    return {};
}

void Controller::applyArgs(const std::vector<ControllerArg>& args, model::LoadOptions&,
                           routing::CompileOptions&, core::Diagnostics& findings) const {
    for (const ControllerArg& arg : args)
        findings.warning("ILAB-CONFIG-007",
                         std::string(title()) + " takes no command-line flags in the lab; " +
                             core::quoted(arg.text) + " is ignored",
                         arg.location);
}

EdgeSettings Controller::edgeSettings(const model::Manifests&, const routing::CompileOptions&) const {
    return {};
}

const Registry& Registry::builtin() {
    static const Registry registry = [] {
        Registry r;
        r.add(makeIngressNginx());
        r.add(makeIngressSpec());
        return r;
    }();
    return registry;
}

void Registry::add(std::unique_ptr<Controller> controller) {
    if (find(controller->controllerName()) || find(controller->id()))
        throw std::logic_error("controller registered twice: " + std::string(controller->id()));
    controllers_.push_back(std::move(controller));
}

const Controller* Registry::find(std::string_view controller_name_or_id) const {
    for (const auto& c : controllers_)
        if (c->controllerName() == controller_name_or_id || c->id() == controller_name_or_id)
            return c.get();
    return nullptr;
}

const Controller& Registry::standard() const { return *controllers_.front(); }

std::string Registry::describeKnown() const {
    std::string out;
    for (const auto& c : controllers_) {
        if (!out.empty()) out += ", ";
        out += std::string(c->controllerName()) + " (" + std::string(c->id()) + ")";
    }
    return out;
}

const Controller& controllerFor(const model::LoadOptions& options) {
    const Registry& registry = Registry::builtin();
    const Controller* c = registry.find(options.controller);
    return c ? *c : registry.standard();
}

}  // namespace ilab::controllers
