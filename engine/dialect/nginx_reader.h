#pragma once
// Read access to one Ingress's nginx.ingress.kubernetes.io/* annotations, and the findings made
// while reading them. Findings keep the annotation they are about, so that a canary Ingress can
// drop the ones ingress-nginx never looks at.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/dialect/nginx_annotations.h"
#include "engine/dialect/policies.h"
#include "engine/model/objects.h"

namespace ilab::dialect::nginx {

// Diagnostic codes of this dialect (documented in docs/dialect-nginx.md).
inline constexpr std::string_view kUnknownCode = "ILAB-NGINX-001";
inline constexpr std::string_view kDefaultUsedCode = "ILAB-NGINX-002";
inline constexpr std::string_view kLocationDeniedCode = "ILAB-NGINX-003";
inline constexpr std::string_view kIngressDroppedCode = "ILAB-NGINX-004";
inline constexpr std::string_view kDeprecatedCode = "ILAB-NGINX-005";
inline constexpr std::string_view kRiskRejectedCode = "ILAB-NGINX-006";
inline constexpr std::string_view kCanaryDisabledCode = "ILAB-NGINX-007";
inline constexpr std::string_view kIgnoredOnCanaryCode = "ILAB-NGINX-008";
inline constexpr std::string_view kNotSimulatedCode = "ILAB-NGINX-009";
inline constexpr std::string_view kHighRiskCode = "ILAB-NGINX-010";
inline constexpr std::string_view kNoEffectCode = "ILAB-NGINX-011";
inline constexpr std::string_view kAdministratorRefusedCode = "ILAB-NGINX-012";

struct Finding {
    std::string annotation;  // name without the prefix
    core::Diagnostic diagnostic;
    Disposition effect = Disposition::Active;  // what it does to the Ingress
};

class AnnotationReader {
  public:
    explicit AnnotationReader(const model::ObjectMeta& meta);

    // The full key, e.g. "nginx.ingress.kubernetes.io/canary".
    static std::string key(std::string_view name);
    bool has(std::string_view name) const;
    // The value exactly as written, or nullopt when the annotation is absent.
    std::optional<std::string_view> raw(std::string_view name) const;
    // The value as written when it is usable. Absent, empty or whitespace-only (ingress-nginx:
    // invalid content, so the default stays) and multi-line values (every validator rejects a
    // newline; reported with the annotation's own consequence) give nullopt. An empty value is
    // reported as ILAB-NGINX-002 naming `default_text`.
    std::optional<std::string_view> value(std::string_view name, std::string_view default_text);
    // As value(), trimmed the way ingress-nginx's string annotations are.
    std::optional<std::string> text(std::string_view name, std::string_view default_text);

    // A value failed validation: reported with the consequence the table gives the annotation.
    // `problem` says what is wrong; `default_text` what applies instead (UseDefault only).
    void invalid(std::string_view name, std::string_view problem, std::string_view default_text);
    // The same with an explicit consequence.
    void useDefault(std::string_view name, std::string message, std::string hint = {});
    void denyLocation(std::string_view name, std::string message, std::string hint = {});
    void dropIngress(std::string_view name, std::string message, std::string hint = {});
    // A finding that changes nothing about the Ingress (info, warning).
    void report(core::Severity severity, std::string_view code, std::string_view name,
                std::string message, std::string hint = {});
    // Any finding, with its effect on the Ingress.
    void record(core::Severity severity, std::string_view code, std::string_view name,
                std::string message, std::string hint, Disposition effect);

    core::SourceLocation location(std::string_view name) const;
    const std::string& objectName() const { return object_; }
    const model::ObjectMeta& meta() const { return meta_; }
    std::vector<Finding>& findings() { return findings_; }

  private:
    const model::ObjectMeta& meta_;
    std::string object_;
    std::vector<Finding> findings_;
    bool any_ = false;  // the Ingress has at least one annotation of this dialect
};

// The full key and its value as messages show them: quoted, newlines escaped, long text cut.
std::string shownValue(std::string_view value);
std::string fullName(std::string_view name);

}  // namespace ilab::dialect::nginx
