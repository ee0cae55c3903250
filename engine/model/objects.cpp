#include "engine/model/objects.h"

#include "engine/core/text.h"

namespace ilab::model {

bool isOlder(const ObjectMeta& a, const ObjectMeta& b) {
    // RFC 3339 timestamps in UTC ("2024-01-02T03:04:05Z") order correctly as strings.
    if (!a.creation_timestamp.empty() && !b.creation_timestamp.empty() &&
        a.creation_timestamp != b.creation_timestamp)
        return a.creation_timestamp < b.creation_timestamp;
    // An object with a timestamp existed before one created by this apply.
    if (a.creation_timestamp.empty() != b.creation_timestamp.empty())
        return !a.creation_timestamp.empty();
    return a.load_order < b.load_order;
}

std::string_view pathTypeName(PathType type) {
    switch (type) {
        case PathType::Exact:
            return "Exact";
        case PathType::Prefix:
            return "Prefix";
        case PathType::ImplementationSpecific:
            return "ImplementationSpecific";
    }
    return "Prefix";
}

bool CertificateInfo::covers(std::string_view host) const {
    const std::string h = core::toLower(host);
    for (const std::string& raw : dns_names) {
        const std::string name = core::toLower(raw);
        if (name == h) return true;
        // A certificate wildcard covers exactly one label (RFC 6125).
        if (core::startsWith(name, "*.")) {
            const auto dot = h.find('.');
            if (dot != std::string::npos && dot > 0 && h.substr(dot) == name.substr(1)) return true;
        }
    }
    return false;
}

SourceLocation SecretValue::at(std::size_t line, std::size_t column) const {
    SourceLocation where = location;
    if (!where.known() || line == 0 || column == 0) return where;
    if (block_column > 0) {
        where.line = location.line + static_cast<int>(line);
        where.column = block_column + static_cast<int>(column) - 1;
    } else if (plain && line == 1) {
        where.column = location.column + static_cast<int>(column) - 1;
    }
    return where;
}

}  // namespace ilab::model
