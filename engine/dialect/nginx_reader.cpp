#include "engine/dialect/nginx_reader.h"

#include "engine/core/text.h"

namespace ilab::dialect::nginx {
namespace {

constexpr std::size_t kMaxShownChars = 60;

}  // namespace

std::string fullName(std::string_view name) {
    return std::string(kPrefix) + std::string(name);
}

std::string shownValue(std::string_view value) {
    std::string out;
    for (char c : value.substr(0, kMaxShownChars)) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else
            out += c;
    }
    if (value.size() > kMaxShownChars) out += "...";
    return core::quoted(out);
}

AnnotationReader::AnnotationReader(const model::ObjectMeta& meta)
    : meta_(meta), object_("Ingress " + meta.qualifiedName()) {
    for (const auto& [key, value] : meta.annotations)
        any_ = any_ || std::string_view(key).starts_with(kPrefix);
}

std::string AnnotationReader::key(std::string_view name) {
    return fullName(name);
}

bool AnnotationReader::has(std::string_view name) const {
    return raw(name).has_value();
}

std::optional<std::string_view> AnnotationReader::raw(std::string_view name) const {
    // The dialect asks for about 140 names per Ingress: most Ingresses have none of them, and
    // the others are looked up through one reused buffer rather than a new string per name
    // (that allocation was a third of reloading 10,000 Ingresses).
    if (!any_) return std::nullopt;
    static thread_local std::string full;
    full.assign(kPrefix).append(name);
    const auto it = meta_.annotations.find(full);
    if (it == meta_.annotations.end()) return std::nullopt;
    return std::string_view(it->second);
}

std::optional<std::string_view> AnnotationReader::value(std::string_view name,
                                                        std::string_view default_text) {
    const auto value = raw(name);
    if (!value) return std::nullopt;
    if (core::trim(*value).empty()) {
        std::string message = fullName(name) + " is empty; ingress-nginx treats it as unset";
        if (!default_text.empty()) message += " (default " + std::string(default_text) + ")";
        useDefault(name, std::move(message), "remove the annotation or give it a value");
        return std::nullopt;
    }
    // A trailing newline counts too: YAML block scalars (|) add one, Go's validators reject it.
    if (value->find('\n') != std::string_view::npos) {
        invalid(name, "contains a newline, which every ingress-nginx validator rejects",
                default_text);
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> AnnotationReader::text(std::string_view name,
                                                  std::string_view default_text) {
    const auto v = value(name, default_text);
    if (!v) return std::nullopt;
    return std::string(core::trim(*v));
}

void AnnotationReader::invalid(std::string_view name, std::string_view problem,
                               std::string_view default_text) {
    const AnnotationSpec* spec = findAnnotation(name);
    const OnInvalid on_invalid = spec ? spec->on_invalid : OnInvalid::UseDefault;
    const auto shown = raw(name) ? shownValue(*raw(name)) : std::string("\"\"");
    std::string message = fullName(name) + " " + shown + " " + std::string(problem);
    switch (on_invalid) {
        case OnInvalid::UseDefault:
            message += "; ingress-nginx ignores it";
            if (!default_text.empty()) message += " (default: " + std::string(default_text) + ")";
            useDefault(name, std::move(message), "fix the value or remove the annotation");
            break;
        case OnInvalid::DenyLocation:
            message += "; every location of this Ingress answers 503";
            denyLocation(name, std::move(message),
                         "fix the value; the rest of the Ingress is kept");
            break;
        case OnInvalid::DropIngress:
            message += "; ingress-nginx ignores the whole Ingress";
            dropIngress(name, std::move(message),
                        "fix the value; until then none of this Ingress's rules are served");
            break;
    }
}

void AnnotationReader::useDefault(std::string_view name, std::string message, std::string hint) {
    record(core::Severity::Warning, kDefaultUsedCode, name, std::move(message), std::move(hint),
           Disposition::Active);
}

void AnnotationReader::denyLocation(std::string_view name, std::string message, std::string hint) {
    record(core::Severity::Error, kLocationDeniedCode, name, std::move(message), std::move(hint),
           Disposition::LocationDenied);
}

void AnnotationReader::dropIngress(std::string_view name, std::string message, std::string hint) {
    record(core::Severity::Error, kIngressDroppedCode, name, std::move(message), std::move(hint),
           Disposition::Dropped);
}

void AnnotationReader::report(core::Severity severity, std::string_view code, std::string_view name,
                              std::string message, std::string hint) {
    record(severity, code, name, std::move(message), std::move(hint), Disposition::Active);
}

void AnnotationReader::record(core::Severity severity, std::string_view code, std::string_view name,
                              std::string message, std::string hint, Disposition effect) {
    core::Diagnostic diagnostic{severity,        std::string(code), std::move(message),
                                std::move(hint), location(name),    object_};
    findings_.push_back({std::string(name), std::move(diagnostic), effect});
}

core::SourceLocation AnnotationReader::location(std::string_view name) const {
    const auto it = meta_.annotation_locations.find(key(name));
    return it != meta_.annotation_locations.end() ? it->second : meta_.location;
}

}  // namespace ilab::dialect::nginx
