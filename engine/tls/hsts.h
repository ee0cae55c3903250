#pragma once
// The Strict-Transport-Security header as ingress-nginx sends it.
#include <cstdint>
#include <string>
#include <string_view>

namespace ilab::tls {

inline constexpr std::string_view kHstsHeaderName = "Strict-Transport-Security";

// The ConfigMap keys hsts, hsts-max-age, hsts-include-subdomains and hsts-preload, with their
// defaults. ingress-nginx adds the header to HTTPS responses only and replaces any HSTS header
// the upstream sent; applying it is the proxy's business.
struct HstsOptions {
    bool enabled = true;
    std::int64_t max_age = 31536000;  // one year, in seconds
    bool include_subdomains = true;
    bool preload = false;

    bool operator==(const HstsOptions&) const = default;
};

// "max-age=31536000; includeSubDomains" for the defaults, with "; preload" when asked; "" when
// HSTS is disabled (send no header). Pure; any thread.
std::string hstsHeaderValue(const HstsOptions& options = {});

}  // namespace ilab::tls
