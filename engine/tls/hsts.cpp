#include "engine/tls/hsts.h"

namespace ilab::tls {

std::string hstsHeaderValue(const HstsOptions& options) {
    if (!options.enabled) return {};
    // The same text lua_ingress.lua builds: "max-age=" .. hsts_max_age, then the flags.
    std::string value = "max-age=" + std::to_string(options.max_age < 0 ? 0 : options.max_age);
    if (options.include_subdomains) value += "; includeSubDomains";
    if (options.preload) value += "; preload";
    return value;
}

}  // namespace ilab::tls
