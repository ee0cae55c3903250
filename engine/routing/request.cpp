#include "engine/routing/request.h"

#include "engine/core/text.h"
#include "engine/dialect/htpasswd.h"

namespace ilab::routing {

const std::string* Request::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (core::iequals(key, name)) return &value;
    return nullptr;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (!core::iequals(key, "cookie")) continue;
        for (const std::string& pair : core::split(value, ';')) {
            const std::string_view item = core::trim(pair);
            const auto eq = item.find('=');
            if (eq != std::string_view::npos && item.substr(0, eq) == name)
                return std::string(item.substr(eq + 1));
        }
    }
    return std::nullopt;
}

std::string Request::basicUser() const {
    const std::string* authorization = header("Authorization");
    if (!authorization) return {};
    auto credentials = dialect::parseBasicAuthorization(*authorization);
    return credentials ? std::move(credentials->user) : std::string();
}

}  // namespace ilab::routing
