#include "engine/core/diagnostic.h"

#include <algorithm>

namespace ilab::core {

std::string_view severityName(Severity severity) {
    switch (severity) {
        case Severity::Info:
            return "info";
        case Severity::Warning:
            return "warning";
        case Severity::Error:
            return "error";
    }
    return "error";
}

std::string SourceLocation::str() const {
    if (!file) return {};
    std::string out = *file;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) out += ':' + std::to_string(column);
    }
    return out;
}

std::string formatDiagnostic(const Diagnostic& d) {
    std::string out;
    if (d.location.known()) out = d.location.str() + ": ";
    out += severityName(d.severity);
    out += ' ';
    out += d.code;
    out += ": ";
    out += d.message;
    return out;
}

Diagnostic& Diagnostics::add(Diagnostic diagnostic) {
    items_.push_back(std::move(diagnostic));
    return items_.back();
}

Diagnostic& Diagnostics::error(std::string code, std::string message, SourceLocation location,
                               std::string hint) {
    return add({Severity::Error,
                std::move(code),
                std::move(message),
                std::move(hint),
                std::move(location),
                {}});
}

Diagnostic& Diagnostics::warning(std::string code, std::string message, SourceLocation location,
                                 std::string hint) {
    return add({Severity::Warning,
                std::move(code),
                std::move(message),
                std::move(hint),
                std::move(location),
                {}});
}

Diagnostic& Diagnostics::info(std::string code, std::string message, SourceLocation location,
                              std::string hint) {
    return add({Severity::Info,
                std::move(code),
                std::move(message),
                std::move(hint),
                std::move(location),
                {}});
}

void Diagnostics::append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::hasErrors() const {
    return count(Severity::Error) > 0;
}

std::size_t Diagnostics::count(Severity severity) const {
    return static_cast<std::size_t>(std::count_if(
        items_.begin(), items_.end(), [&](const Diagnostic& d) { return d.severity == severity; }));
}

bool Diagnostics::contains(std::string_view code) const {
    return std::any_of(items_.begin(), items_.end(),
                       [&](const Diagnostic& d) { return d.code == code; });
}

void Diagnostics::sortByLocation() {
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        const std::string fa = a.location.fileName(), fb = b.location.fileName();
        if (fa != fb) return fa < fb;
        if (a.location.line != b.location.line) return a.location.line < b.location.line;
        return a.location.column < b.location.column;
    });
}

}  // namespace ilab::core
