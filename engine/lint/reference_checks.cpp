// Do the Services, ports and pods that Ingresses name exist and line up?
#include <set>

#include "engine/controllers/controller.h"
#include "engine/core/text.h"
#include "engine/lint/linter.h"
#include "engine/model/external_name.h"
#include "engine/model/validation.h"

namespace ilab::lint {
namespace {

using core::quoted;

class ReferenceChecker {
  public:
    ReferenceChecker(const model::Manifests& m, const controllers::Controller& controller,
                     core::Diagnostics& out)
        : m_(m), controller_(controller), out_(out) {}

    void run() {
        checkClassControllers();
        for (const model::Ingress& ing : m_.ingresses) {
            if (ing.rejected) continue;
            // An unclaimed Ingress's backends are checked too: most manifest folders do not
            // hold the IngressClass, and its mistakes are there all the same.
            if (!ing.claimed) reportUnclaimed(ing);
            if (ing.default_backend) checkBackend(ing, *ing.default_backend);
            for (const auto& rule : ing.rules)
                for (const auto& path : rule.paths)
                    checkBackend(ing, path.backend);
        }
    }

  private:
    core::Diagnostic& add(core::Severity severity, const char* code, std::string message,
                          const core::SourceLocation& at, const model::Ingress& ing,
                          std::string hint) {
        if (!ing.claimed) message += " once a controller claims this Ingress (it is unclaimed now)";
        auto& d = out_.add({severity, code, std::move(message), std::move(hint), at,
                            "Ingress " + ing.meta.qualifiedName()});
        return d;
    }

    // An IngressClass for a controller the lab does not simulate: say which ones it does.
    void checkClassControllers() {
        const auto& registry = controllers::Registry::builtin();
        for (const model::IngressClass& cls : m_.ingress_classes) {
            if (cls.controller.empty() || registry.find(cls.controller)) continue;
            auto& d = out_.warning(
                "ILAB-LINT-015",
                "IngressClass " + quoted(cls.meta.name) + " names controller " +
                    quoted(cls.controller) +
                    ", which the lab does not simulate; its Ingresses are unclaimed",
                cls.controller_location.known() ? cls.controller_location : cls.meta.location,
                "the lab knows " + registry.describeKnown());
            d.object = "IngressClass " + cls.meta.name;
        }
    }

    void reportUnclaimed(const model::Ingress& ing) {
        std::string why, hint;
        if (!ing.excluded_by.empty()) {
            why = "the controller's flag " + ing.excluded_by + " leaves it out";
            hint = "this is what the controller's own flags say; change them to serve it";
        } else if (ing.class_source == model::ClassSource::None) {
            why = "it sets no spec.ingressClassName and no IngressClass is marked default";
            hint =
                "set spec.ingressClassName: nginx (or annotate an IngressClass with "
                "ingressclass.kubernetes.io/is-default-class: \"true\")";
        } else if (const model::IngressClass* cls = m_.findIngressClass(ing.effective_class)) {
            why = "IngressClass " + quoted(ing.effective_class) + " belongs to controller " +
                  quoted(cls->controller);
            const controllers::Controller* owner =
                controllers::Registry::builtin().find(cls->controller);
            if (!owner)
                why += ", which the lab does not simulate";
            hint = "this run simulates " + std::string(controller_.title()) + " (controller " +
                   std::string(controller_.controllerName()) + ")";
        } else {
            why = "IngressClass " + quoted(ing.effective_class) + " does not exist";
            hint = "use an existing class such as \"nginx\"";
        }
        const auto& at = ing.class_location.known() ? ing.class_location : ing.meta.location;
        out_.add({core::Severity::Warning, "ILAB-LINT-010",
                  "Ingress is unclaimed: " + why + "; it gets no address and no traffic", hint, at,
                  "Ingress " + ing.meta.qualifiedName()});
    }

    void checkBackend(const model::Ingress& ing, const model::IngressBackend& backend) {
        if (backend.resource) {
            add(core::Severity::Warning, "ILAB-LINT-013",
                "resource backend " +
                    quoted(backend.resource->kind + "/" + backend.resource->name) +
                    " is not supported by " + std::string(controller_.title()) +
                    ": the path gets no location (404)",
                backend.location, ing, "use a Service backend");
            return;
        }
        if (!backend.service) return;
        const auto& ref = *backend.service;
        const std::string key = ing.meta.namespace_ + "/" + ref.name + ":" + ref.port.str();
        if (!checked_.insert(key + "@" + ref.name_location.str()).second) return;
        const model::Service* svc = m_.findService(ing.meta.namespace_, ref.name);
        if (!svc) {
            std::vector<std::string_view> names;
            for (const auto& s : m_.services)
                if (s.meta.namespace_ == ing.meta.namespace_) names.push_back(s.meta.name);
            const std::string near = core::closestMatch(ref.name, names, 3);
            std::string hint =
                near.empty() ? "create the Service in namespace " + quoted(ing.meta.namespace_)
                             : "did you mean " + quoted(near) + "?";
            for (const auto& s : m_.services)
                if (s.meta.name == ref.name && s.meta.namespace_ != ing.meta.namespace_)
                    hint = "a Service of that name exists in namespace " +
                           quoted(s.meta.namespace_) +
                           ", but an Ingress only reaches Services in its own namespace";
            add(core::Severity::Error, "ILAB-LINT-001",
                "backend Service " + quoted(ing.meta.namespace_ + "/" + ref.name) +
                    " does not exist: requests get 503",
                ref.name_location, ing, hint);
            return;
        }
        const model::ServicePort* port = nullptr;
        for (const auto& p : svc->ports)
            if ((!ref.port.name.empty() && p.name == ref.port.name) ||
                (ref.port.name.empty() && p.port == ref.port.number))
                port = &p;
        // ingress-nginx needs no Service port for a backend port number on an ExternalName
        // Service: it connects to that number (controller.go, externalNamePorts).
        const bool external = svc->type == "ExternalName";
        if (!port && !(external && ref.port.name.empty())) {
            std::vector<std::string> have;
            for (const auto& p : svc->ports)
                have.push_back(p.name.empty() ? std::to_string(p.port)
                                              : p.name + " (" + std::to_string(p.port) + ")");
            add(core::Severity::Error, "ILAB-LINT-002",
                "Service " + quoted(svc->meta.qualifiedName()) + " has no port " +
                    quoted(ref.port.str()) + ": requests get 503",
                ref.port.location, ing,
                have.empty() ? "the Service declares no ports"
                             : "its ports are " + core::join(have, ", "));
            return;
        }
        if (external) {
            checkExternalName(ing, ref, *svc);
            return;
        }
        if (svc->selector.empty() && !m_.externalEndpoints(*svc).empty()) return;
        const auto pods = m_.selectedPods(*svc);
        if (pods.empty()) {
            std::string hint = svc->selector.empty()
                                   ? "the Service has no selector and no Endpoints or "
                                     "EndpointSlice names it"
                                   : "no pod carries the labels " + selectorText(*svc);
            for (const auto& w : m_.workloads)
                if (w.meta.namespace_ == svc->meta.namespace_ && w.replicas == 0 &&
                    matches(*svc, w.template_labels))
                    hint = w.kind + " " + quoted(w.meta.name) + " has replicas: 0";
            add(core::Severity::Warning, "ILAB-LINT-003",
                "Service " + quoted(svc->meta.qualifiedName()) +
                    " selects no pods: requests get 503",
                ref.name_location, ing, hint);
            return;
        }
        checkTargetPort(ing, ref, *svc, *port, pods);
    }

    // The endpoint ingress-nginx makes for an ExternalName Service, or why it makes none.
    void checkExternalName(const model::Ingress& ing, const model::IngressServiceBackend& ref,
                           const model::Service& svc) {
        using Refusal = model::ExternalNameEndpoint::Refusal;
        const model::ExternalNameEndpoint e = model::externalNameEndpoint(svc, ref.port);
        if (e.ok()) return;
        std::string hint;
        switch (e.refusal) {
            case Refusal::LoopbackName:
            case Refusal::IpAddress:
                hint =
                    "for an address, use a Service without a selector and an EndpointSlice "
                    "instead of spec.externalName";
                break;
            case Refusal::InvalidName: {
                const auto errors = model::dns1123SubdomainErrors(model::externalNameHost(svc));
                hint = errors.empty() ? std::string() : errors.front();
                break;
            }
            case Refusal::PortZero:
                hint =
                    "name the port in the Ingress backend, or give the Service port a numeric "
                    "targetPort";
                break;
            case Refusal::NoSuchPort:  // ILAB-LINT-002 said so already
            case Refusal::None:
                return;
        }
        add(core::Severity::Error, "ILAB-LINT-016",
            "ExternalName Service " + quoted(svc.meta.qualifiedName()) + " gets no endpoint: " +
                e.why + (e.refusal == Refusal::PortZero ? "; requests fail" : "; requests get 503"),
            ref.name_location, ing, std::move(hint));
    }

    void checkTargetPort(const model::Ingress& ing, const model::IngressServiceBackend& ref,
                         const model::Service& svc, const model::ServicePort& port,
                         const std::vector<const model::Pod*>& pods) {
        std::size_t declaring = 0;
        for (const model::Pod* pod : pods) {
            for (const auto& cp : pod->ports) {
                if (port.target_port.is_int ? cp.container_port == port.target_port.number
                                            : cp.name == port.target_port.name) {
                    ++declaring;
                    break;
                }
            }
        }
        if (declaring > 0) return;
        if (!port.target_port.is_int) {
            add(core::Severity::Error, "ILAB-LINT-004",
                "targetPort " + quoted(port.target_port.name) + " of Service " +
                    quoted(svc.meta.qualifiedName()) +
                    " names no container port of its pods: the Service has no endpoints",
                port.location.known() ? port.location : ref.name_location, ing,
                "name a containerPort " + quoted(port.target_port.name) + " or use a number");
        } else {
            add(core::Severity::Warning, "ILAB-LINT-004",
                "targetPort " + std::to_string(port.target_port.number) + " of Service " +
                    quoted(svc.meta.qualifiedName()) + " is declared by no container of its pods",
                port.location.known() ? port.location : ref.name_location, ing,
                "check the containers listen on " + std::to_string(port.target_port.number));
        }
    }

    static bool matches(const model::Service& svc,
                        const std::map<std::string, std::string>& labels) {
        if (svc.selector.empty()) return false;
        for (const auto& [k, v] : svc.selector) {
            auto it = labels.find(k);
            if (it == labels.end() || it->second != v) return false;
        }
        return true;
    }

    static std::string selectorText(const model::Service& svc) {
        std::vector<std::string> parts;
        for (const auto& [k, v] : svc.selector)
            parts.push_back(k + "=" + v);
        return core::join(parts, ",");
    }

    const model::Manifests& m_;
    const controllers::Controller& controller_;
    core::Diagnostics& out_;
    std::set<std::string> checked_;
};

}  // namespace

void checkReferences(const model::Manifests& m, const controllers::Controller& controller,
                     core::Diagnostics& out) {
    ReferenceChecker(m, controller, out).run();
}

}  // namespace ilab::lint
