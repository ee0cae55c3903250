#pragma once
// A controller dialect reads one controller's annotations into neutral policies.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/dialect/nginx_annotations.h"
#include "engine/dialect/policies.h"
#include "engine/model/objects.h"

namespace ilab::dialect {

class Dialect {
  public:
    virtual ~Dialect() = default;
    virtual std::string_view name() const = 0;
    // The annotation prefix this dialect owns, e.g. "nginx.ingress.kubernetes.io/".
    virtual std::string_view annotationPrefix() const = 0;
    // Reads an Ingress's annotations over `defaults`: what the controller's own configuration
    // sets where an annotation does not (ingress-nginx's ConfigMap proxy-body-size, ...).
    // Findings (unknown, invalid, deprecated, risky) go to `diagnostics`, each pointing at the
    // annotation's value.
    virtual IngressPolicies translate(const model::Ingress& ingress, core::Diagnostics& diagnostics,
                                      const IngressPolicies& defaults) const = 0;
    // Over the controller's built-in defaults.
    IngressPolicies translate(const model::Ingress& ingress, core::Diagnostics& diagnostics) const {
        return translate(ingress, diagnostics, IngressPolicies{});
    }
};

// What ingress-nginx's ConfigMap says about annotations themselves.
struct NginxDialectSettings {
    nginx::Risk max_risk = nginx::kMaxAllowedRisk;  // annotations-risk-level
    bool allow_snippets = false;                     // allow-snippet-annotations
    std::vector<std::string> word_blocklist;         // annotation-value-word-blocklist
};

// The ingress-nginx dialect (nginx.ingress.kubernetes.io/*), per ingress-nginx v1.15.
std::unique_ptr<Dialect> makeNginxDialect(NginxDialectSettings settings = {});

}  // namespace ilab::dialect
