// The ingress-nginx dialect: checks every nginx.ingress.kubernetes.io/* name against the
// annotation table (unknown, deprecated, too risky, not simulated), reads the families into
// neutral policies and settles what ingress-nginx would do with the Ingress as a whole.
#include <algorithm>
#include <vector>

#include "engine/core/text.h"
#include "engine/dialect/dialect.h"
#include "engine/dialect/nginx_annotations.h"
#include "engine/dialect/nginx_families.h"
#include "engine/dialect/nginx_reader.h"

namespace ilab::dialect {
namespace {

using core::Severity;
using nginx::AnnotationReader;
using nginx::AnnotationSpec;
using nginx::Finding;
using nginx::fullName;

std::vector<std::string_view> knownNames() {
    std::vector<std::string_view> names;
    for (const AnnotationSpec& spec : nginx::annotationTable())
        names.push_back(spec.name);
    return names;
}

void reportUnknown(AnnotationReader& r, std::string_view name) {
    std::string message = "unknown annotation " + fullName(name);
    std::string hint;
    if (const std::string_view removed = nginx::removedAnnotationHint(name); !removed.empty()) {
        hint = std::string(removed);
        message += " (" + hint + ")";
    } else if (const std::string closest = core::closestMatch(name, knownNames());
               !closest.empty()) {
        hint = "did you mean " + fullName(closest) + "?";
        message += " (" + hint + ")";
    } else {
        hint = "docs/dialect-nginx.md lists the annotations ingress-nginx v1.15 knows";
    }
    r.report(Severity::Warning, nginx::kUnknownCode, name,
             std::move(message) + "; ingress-nginx ignores it", std::move(hint));
}

// A risk above annotations-risk-level rejects the Ingress. The snippet text is never echoed:
// it is exactly the kind of input the IngressNightmare fixes stopped trusting.
void reportTooRisky(AnnotationReader& r, const AnnotationSpec& spec) {
    const std::size_t bytes = r.raw(spec.name)->size();
    r.record(Severity::Error, nginx::kRiskRejectedCode, spec.name,
             fullName(spec.name) + " has risk " + std::string(nginx::riskName(spec.risk)) +
                 ", above ingress-nginx's default annotations-risk-level " +
                 std::string(nginx::riskName(nginx::kMaxAllowedRisk)) +
                 ": the controller rejects the whole Ingress (the " + std::to_string(bytes) +
                 "-byte snippet is not used)",
             "express it with supported annotations; snippets need both "
             "allow-snippet-annotations and annotations-risk-level Critical",
             Disposition::Dropped);
}

bool droppedBy(const std::vector<Finding>& findings, std::string_view name) {
    return std::any_of(findings.begin(), findings.end(), [name](const Finding& f) {
        return f.annotation == name && f.effect == Disposition::Dropped;
    });
}

// Name-level findings: unknown (001), deprecated (005), too risky (006), ignored on a
// canary (008), not simulated (009), allowed but High risk (010).
void checkNames(AnnotationReader& r, bool canary, const std::vector<Finding>& family_findings) {
    for (const auto& [key, value] : r.meta().annotations) {
        if (!core::startsWith(key, nginx::kPrefix)) continue;
        const std::string_view name = std::string_view(key).substr(nginx::kPrefix.size());
        const AnnotationSpec* spec = nginx::findAnnotation(name);
        if (!spec) {
            reportUnknown(r, name);
            continue;
        }
        if (spec->risk > nginx::kMaxAllowedRisk) {
            reportTooRisky(r, *spec);
            continue;
        }
        if (!spec->replaced_by.empty())
            r.report(Severity::Warning, nginx::kDeprecatedCode, name,
                     fullName(name) + " is deprecated; use " + fullName(spec->replaced_by),
                     "rename it; when both names are set the new one wins");
        if (canary && !spec->applies_on_canary) {
            if (!droppedBy(family_findings, name))
                r.report(Severity::Warning, nginx::kIgnoredOnCanaryCode, name,
                         fullName(name) +
                             " is ignored on a canary Ingress: requests sent to the "
                             "canary use the main Ingress's settings",
                         "set it on the main Ingress; a canary keeps only canary-*, "
                         "load-balance, upstream-hash-by* and affinity/session-cookie-*");
        } else if (spec->risk == nginx::Risk::High) {
            r.report(Severity::Info, nginx::kHighRiskCode, name,
                     fullName(name) +
                         " has risk High: allowed at the default "
                         "annotations-risk-level, rejected if it is lowered" +
                         (spec->simulated ? "" : "; the lab does not simulate it"));
        } else if (!spec->simulated) {
            r.report(Severity::Info, nginx::kNotSimulatedCode, name,
                     fullName(name) + " is accepted by ingress-nginx but not simulated by the lab");
        }
    }
}

// A canary Ingress never gets locations of its own: only its canary, balancing and affinity
// settings matter. Findings about other annotations vanish unless they drop the Ingress
// (a dropped canary Ingress is no canary at all).
bool keptOnCanary(const Finding& finding) {
    const AnnotationSpec* spec = nginx::findAnnotation(finding.annotation);
    return finding.effect == Disposition::Dropped || !spec || spec->applies_on_canary;
}

IngressPolicies canaryPolicies(IngressPolicies parsed, const IngressPolicies& defaults) {
    IngressPolicies out = defaults;
    out.canary = std::move(parsed.canary);
    out.load_balance = std::move(parsed.load_balance);
    out.affinity = std::move(parsed.affinity);
    return out;
}

int severityRank(Disposition disposition) {
    switch (disposition) {
        case Disposition::Active:
            return 0;
        case Disposition::LocationDenied:
            return 1;
        case Disposition::Dropped:
            return 2;
    }
    return 0;
}

class NginxDialect final : public Dialect {
  public:
    std::string_view name() const override { return "ingress-nginx"; }
    std::string_view annotationPrefix() const override { return nginx::kPrefix; }

    IngressPolicies translate(const model::Ingress& ingress, core::Diagnostics& diagnostics,
                              const IngressPolicies& defaults) const override {
        AnnotationReader families(ingress.meta);
        IngressPolicies parsed = defaults;
        nginx::readFamilies(families, parsed);
        const bool canary = parsed.canary.enabled;

        AnnotationReader names(ingress.meta);
        checkNames(names, canary, families.findings());

        std::vector<Finding> kept = std::move(names.findings());
        for (Finding& finding : families.findings())
            if (!canary || keptOnCanary(finding)) kept.push_back(std::move(finding));

        IngressPolicies result =
            canary ? canaryPolicies(std::move(parsed), defaults) : std::move(parsed);
        for (Finding& finding : kept) {
            if (severityRank(finding.effect) > severityRank(result.disposition)) {
                result.disposition = finding.effect;
                result.disposition_reason = finding.diagnostic.message;
            }
            diagnostics.add(std::move(finding.diagnostic));
        }
        return result;
    }
};

}  // namespace

std::unique_ptr<Dialect> makeNginxDialect() {
    return std::make_unique<NginxDialect>();
}

}  // namespace ilab::dialect
