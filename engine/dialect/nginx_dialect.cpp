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
void reportTooRisky(AnnotationReader& r, const AnnotationSpec& spec, nginx::Risk max_risk) {
    const std::size_t bytes = r.raw(spec.name)->size();
    r.record(Severity::Error, nginx::kRiskRejectedCode, spec.name,
             fullName(spec.name) + " has risk " + std::string(nginx::riskName(spec.risk)) +
                 ", above ingress-nginx's " +
                 (max_risk == nginx::kMaxAllowedRisk ? "default " : "ConfigMap's ") +
                 "annotations-risk-level " + std::string(nginx::riskName(max_risk)) +
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

// What the ConfigMap's administrator refuses (controller.go CheckIngress, store.go
// syncIngress): an annotation value holding a word of annotation-value-word-blocklist (a plain
// substring, case-sensitive), and (snippetsDisabled) a *-snippet annotation while
// allow-snippet-annotations is false, which matters once annotations-risk-level is Critical.
// Either way the controller skips the whole Ingress. True when it refused one.
bool checkAdministratorRules(AnnotationReader& r, const NginxDialectSettings& settings,
                             std::string_view name, const std::string& value) {
    for (const std::string& word : settings.word_blocklist) {
        if (word.empty() || value.find(word) == std::string::npos) continue;
        r.record(Severity::Error, nginx::kAdministratorRefusedCode, name,
                 fullName(name) + " contains invalid word " + core::quoted(word) +
                     " (the ConfigMap's annotation-value-word-blocklist): the controller skips "
                     "the whole Ingress",
                 "remove the word from the value", Disposition::Dropped);
        return true;
    }
    return false;
}

bool snippetsDisabled(AnnotationReader& r, const NginxDialectSettings& settings,
                      std::string_view name) {
    if (!settings.allow_snippets && core::endsWith(name, "-snippet")) {
        r.record(Severity::Error, nginx::kAdministratorRefusedCode, name,
                 fullName(name) +
                     " cannot be used: snippet directives are disabled by the Ingress "
                     "administrator (the ConfigMap's allow-snippet-annotations is false)",
                 "express it with supported annotations", Disposition::Dropped);
        return true;
    }
    return false;
}

// Name-level findings: unknown (001), deprecated (005), too risky (006), ignored on a
// canary (008), not simulated (009), allowed but High risk (010), refused by the
// administrator's ConfigMap (012).
void checkNames(AnnotationReader& r, bool canary, const std::vector<Finding>& family_findings,
                const NginxDialectSettings& settings) {
    for (const auto& [key, value] : r.meta().annotations) {
        if (!core::startsWith(key, nginx::kPrefix)) continue;
        const std::string_view name = std::string_view(key).substr(nginx::kPrefix.size());
        if (checkAdministratorRules(r, settings, name, value)) continue;
        const AnnotationSpec* spec = nginx::findAnnotation(name);
        if (!spec) {
            reportUnknown(r, name);
            continue;
        }
        if (spec->risk > settings.max_risk) {
            reportTooRisky(r, *spec, settings.max_risk);
            continue;
        }
        if (snippetsDisabled(r, settings, name)) continue;
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
    explicit NginxDialect(NginxDialectSettings settings) : settings_(std::move(settings)) {}
    std::string_view name() const override { return "ingress-nginx"; }
    std::string_view annotationPrefix() const override { return nginx::kPrefix; }

    IngressPolicies translate(const model::Ingress& ingress, core::Diagnostics& diagnostics,
                              const IngressPolicies& defaults) const override {
        AnnotationReader families(ingress.meta);
        IngressPolicies parsed = defaults;
        nginx::readFamilies(families, parsed);
        const bool canary = parsed.canary.enabled;

        AnnotationReader names(ingress.meta);
        checkNames(names, canary, families.findings(), settings_);

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

  private:
    NginxDialectSettings settings_;
};

}  // namespace

std::unique_ptr<Dialect> makeNginxDialect(NginxDialectSettings settings) {
    return std::make_unique<NginxDialect>(std::move(settings));
}

}  // namespace ilab::dialect
