#include "engine/controllers/ingress_spec.h"

#include "engine/core/text.h"

namespace ilab::controllers {
namespace {

// Reads no annotation. Its policies are what the specification implies: no HTTPS redirect
// (TLS only terminates), no body limit; timeouts and retries stay the proxy's mechanics.
class SpecAnnotations final : public dialect::Dialect {
  public:
    std::string_view name() const override { return "spec"; }
    std::string_view annotationPrefix() const override { return "spec.ingress-lab.dev/"; }
    // It has no configuration of its own: no defaults to start from.
    dialect::IngressPolicies translate(const model::Ingress& ingress, core::Diagnostics& diagnostics,
                                       const dialect::IngressPolicies&) const override {
        dialect::IngressPolicies policies;
        policies.redirect.ssl_redirect = false;
        policies.body_limit.max_bytes = 0;
        policies.body_limit.as_written = "none";
        reportIgnored(ingress, diagnostics);
        return policies;
    }

  private:
    // One note per Ingress whose controller-specific annotations this controller ignores: the
    // behaviour they ask for depends on the controller.
    static void reportIgnored(const model::Ingress& ingress, core::Diagnostics& diagnostics) {
        std::vector<std::string> ignored;
        for (const auto& [key, value] : ingress.meta.annotations)
            if (controllerSpecific(key)) ignored.push_back(key);
        if (ignored.empty()) return;
        const auto& first = ingress.meta.annotation_locations.find(ignored.front());
        auto& d = diagnostics.info(
            "ILAB-SPEC-001",
            std::to_string(ignored.size()) + " controller-specific annotation" +
                (ignored.size() == 1 ? "" : "s") + " ignored by the Ingress specification: " +
                core::join(ignored, ", "),
            first != ingress.meta.annotation_locations.end() ? first->second
                                                             : ingress.meta.location,
            "what they do depends on the controller: explain without --controller shows it");
        d.object = "Ingress " + ingress.meta.qualifiedName();
    }
    static bool controllerSpecific(std::string_view key) {
        // kubectl's and the API's own annotations are not controller behaviour.
        return key.find('/') != std::string_view::npos &&
               !core::startsWith(key, "kubectl.kubernetes.io/") &&
               !core::startsWith(key, "kubernetes.io/") &&
               !core::startsWith(key, "ingressclass.kubernetes.io/");
    }
};

class IngressSpec final : public Controller {
  public:
    std::string_view id() const override { return "spec"; }
    std::string_view controllerName() const override { return "ingress-lab.dev/spec"; }
    std::string_view title() const override {
        return "the Ingress specification (networking.k8s.io/v1) alone";
    }
    std::string_view defaultClassName() const override { return "spec"; }
    const dialect::Dialect& annotations() const override { return annotations_; }

    // Stands in for any conformant controller: every Ingress is its own.
    model::LoadOptions claiming(model::LoadOptions base) const override {
        base = Controller::claiming(std::move(base));
        base.claim_every_ingress = true;
        return base;
    }

    std::shared_ptr<const routing::RouteTable> compile(
        const model::Manifests& manifests, const routing::CompileOptions& options,
        core::Diagnostics* findings) const override {
        routing::CompileOptions spec = options;
        spec.slash_redirect = false;    // "/static/" matches "/static" by path element
        spec.default_body_limit = 0;
        return Controller::compile(manifests, spec, findings);
    }

  private:
    SpecAnnotations annotations_;
};

}  // namespace

std::unique_ptr<Controller> makeIngressSpec() { return std::make_unique<IngressSpec>(); }

}  // namespace ilab::controllers
