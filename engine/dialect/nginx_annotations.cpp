#include "engine/dialect/nginx_annotations.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include "engine/core/text.h"

namespace ilab::dialect::nginx {
namespace {

using enum Risk;
using enum OnInvalid;

// Table builders, so each row reads as one line.
constexpr AnnotationSpec modelled(std::string_view name, Risk risk, OnInvalid on_invalid) {
    return {name, risk, on_invalid, true, false, {}};
}
constexpr AnnotationSpec canaryToo(std::string_view name, Risk risk, bool simulated = true) {
    return {name, risk, UseDefault, simulated, true, {}};
}
constexpr AnnotationSpec alias(std::string_view name, Risk risk, OnInvalid on_invalid,
                               std::string_view replaced_by) {
    return {name, risk, on_invalid, true, false, replaced_by};
}
constexpr AnnotationSpec notSimulated(std::string_view name, Risk risk) {
    return {name, risk, UseDefault, false, false, {}};
}
constexpr AnnotationSpec snippet(std::string_view name) {
    return {name, Critical, DropIngress, false, false, {}};
}

// Risk levels as annotations-risk.md lists them (ingress-nginx v1.15).
constexpr std::array kTable = {
    // Canary
    canaryToo("canary", Low),
    canaryToo("canary-by-header", Medium),
    canaryToo("canary-by-header-value", Medium),
    canaryToo("canary-by-header-pattern", Medium),
    canaryToo("canary-by-cookie", Medium),
    canaryToo("canary-weight", Low),
    canaryToo("canary-weight-total", Low),
    // Rewrite (its parser absorbs invalid values)
    modelled("rewrite-target", Medium, UseDefault),
    modelled("use-regex", Low, UseDefault),
    modelled("app-root", Medium, UseDefault),
    modelled("x-forwarded-prefix", Medium, UseDefault),
    modelled("ssl-redirect", Low, UseDefault),
    modelled("force-ssl-redirect", Medium, UseDefault),
    modelled("preserve-trailing-slash", Medium, UseDefault),
    // Redirect (its parser passes validation errors up)
    modelled("permanent-redirect", Medium, DropIngress),
    modelled("permanent-redirect-code", Low, DropIngress),
    modelled("temporal-redirect", Medium, DropIngress),
    modelled("temporal-redirect-code", Low, DropIngress),
    modelled("from-to-www-redirect", Low, DropIngress),
    modelled("relative-redirects", Low, DropIngress),
    // Source ranges
    modelled("allowlist-source-range", Medium, DenyLocation),
    alias("whitelist-source-range", Medium, DenyLocation, "allowlist-source-range"),
    modelled("denylist-source-range", Medium, DenyLocation),
    // Upstream and backend
    modelled("upstream-vhost", Low, UseDefault),
    modelled("backend-protocol", Low, UseDefault),
    modelled("default-backend", Low, UseDefault),
    modelled("server-alias", High, UseDefault),
    modelled("custom-http-errors", Low, DropIngress),
    modelled("enable-custom-http-errors", Low, UseDefault),
    // Proxy (its parser absorbs invalid values)
    modelled("proxy-body-size", Medium, UseDefault),
    modelled("proxy-connect-timeout", Low, UseDefault),
    modelled("proxy-read-timeout", Low, UseDefault),
    modelled("proxy-send-timeout", Low, UseDefault),
    modelled("proxy-next-upstream", Medium, UseDefault),
    modelled("proxy-next-upstream-tries", Low, UseDefault),
    modelled("proxy-next-upstream-timeout", Low, UseDefault),
    modelled("proxy-request-buffering", Low, UseDefault),
    modelled("proxy-buffering", Low, UseDefault),  // only limit-rate depends on it in the lab
    // Rate limiting (its parser passes validation errors up)
    modelled("limit-rps", Low, DropIngress),
    modelled("limit-rpm", Low, DropIngress),
    modelled("limit-connections", Low, DropIngress),
    modelled("limit-burst-multiplier", Low, DropIngress),
    modelled("limit-allowlist", Low, DropIngress),
    alias("limit-whitelist", Low, DropIngress, "limit-allowlist"),
    modelled("limit-rate", Low, DropIngress),
    modelled("limit-rate-after", Low, DropIngress),
    // Load balancing and affinity: the only settings a canary Ingress keeps besides canary-*
    canaryToo("load-balance", Low),
    canaryToo("upstream-hash-by", High),
    canaryToo("upstream-hash-by-subset", Low),
    canaryToo("upstream-hash-by-subset-size", Low),
    canaryToo("affinity", Low),
    canaryToo("affinity-mode", Medium),
    canaryToo("affinity-canary-behavior", Low),
    canaryToo("session-cookie-name", Medium),
    canaryToo("session-cookie-path", Medium),
    canaryToo("session-cookie-domain", Medium),
    canaryToo("session-cookie-samesite", Low),
    canaryToo("session-cookie-conditional-samesite-none", Low),
    canaryToo("session-cookie-expires", Medium),
    canaryToo("session-cookie-max-age", Medium),
    canaryToo("session-cookie-secure", Low),
    canaryToo("session-cookie-change-on-failure", Low),
    canaryToo("session-cookie-partitioned", Low, false),
    // CORS (its parser absorbs invalid values)
    modelled("enable-cors", Low, UseDefault),
    modelled("cors-allow-origin", Medium, UseDefault),
    modelled("cors-allow-methods", Medium, UseDefault),
    modelled("cors-allow-headers", Medium, UseDefault),
    modelled("cors-expose-headers", Medium, UseDefault),
    modelled("cors-allow-credentials", Low, UseDefault),
    modelled("cors-max-age", Low, UseDefault),
    // Response headers from a ConfigMap (a value failing validation reads as unset; the
    // ConfigMap is resolved with the route table, where a missing one denies the locations)
    modelled("custom-headers", Medium, UseDefault),
    // Basic and digest authentication
    modelled("auth-type", Low, DropIngress),
    modelled("auth-secret", Medium, DenyLocation),
    modelled("auth-secret-type", Low, DenyLocation),
    modelled("auth-realm", Medium, UseDefault),
    // External authentication
    modelled("auth-url", High, DropIngress),
    modelled("auth-method", Low, DenyLocation),
    modelled("auth-signin", High, UseDefault),
    modelled("auth-signin-redirect-param", Medium, UseDefault),
    modelled("auth-response-headers", Medium, DenyLocation),
    notSimulated("auth-request-redirect", Medium),
    notSimulated("auth-cache-key", Medium),
    notSimulated("auth-cache-duration", Medium),
    notSimulated("auth-keepalive", Low),
    notSimulated("auth-keepalive-requests", Low),
    notSimulated("auth-keepalive-share-vars", Low),
    notSimulated("auth-keepalive-timeout", Low),
    notSimulated("auth-always-set-cookie", Low),
    notSimulated("auth-proxy-set-headers", Medium),
    notSimulated("enable-global-auth", Low),
    notSimulated("satisfy", Low),
    // Client certificate authentication
    notSimulated("auth-tls-secret", Medium),
    notSimulated("auth-tls-verify-client", Medium),
    notSimulated("auth-tls-verify-depth", Low),
    notSimulated("auth-tls-error-page", High),
    notSimulated("auth-tls-pass-certificate-to-upstream", Low),
    notSimulated("auth-tls-match-cn", High),
    // Accepted by ingress-nginx, not simulated by the lab
    notSimulated("client-body-buffer-size", Low),
    notSimulated("connection-proxy-header", Low),
    notSimulated("disable-proxy-intercept-errors", Low),
    notSimulated("fastcgi-index", Medium),
    notSimulated("fastcgi-params-configmap", Medium),
    notSimulated("http2-push-preload", Low),
    notSimulated("enable-access-log", Low),
    notSimulated("enable-rewrite-log", Low),
    notSimulated("mirror-target", High),
    notSimulated("mirror-host", High),
    notSimulated("mirror-request-body", Low),
    notSimulated("enable-modsecurity", Low),
    notSimulated("enable-owasp-core-rules", Low),
    notSimulated("modsecurity-transaction-id", High),
    notSimulated("enable-opentelemetry", Low),
    notSimulated("opentelemetry-operation-name", Medium),
    notSimulated("opentelemetry-trust-incoming-span", Low),
    notSimulated("proxy-buffer-size", Low),
    notSimulated("proxy-buffers-number", Low),
    notSimulated("proxy-max-temp-file-size", Low),
    notSimulated("proxy-cookie-domain", Medium),
    notSimulated("proxy-cookie-path", Medium),
    notSimulated("proxy-http-version", Low),
    notSimulated("proxy-redirect-from", Medium),
    notSimulated("proxy-redirect-to", Medium),
    notSimulated("proxy-ssl-secret", Medium),
    notSimulated("proxy-ssl-ciphers", Medium),
    notSimulated("proxy-ssl-protocols", Low),
    notSimulated("proxy-ssl-name", High),
    notSimulated("proxy-ssl-server-name", Low),
    notSimulated("proxy-ssl-verify", Low),
    notSimulated("proxy-ssl-verify-depth", Low),
    notSimulated("ssl-ciphers", Low),
    notSimulated("ssl-prefer-server-ciphers", Low),
    notSimulated("ssl-passthrough", Low),
    notSimulated("service-upstream", Low),
    notSimulated("use-port-in-redirects", Low),
    // Raw nginx text: Critical, above the default risk level, so the Ingress is rejected
    snippet("configuration-snippet"),
    snippet("server-snippet"),
    snippet("auth-snippet"),
    snippet("stream-snippet"),
    snippet("modsecurity-snippet"),
};

struct Removed {
    std::string_view name;
    std::string_view hint;
};

constexpr std::array kRemoved = {
    Removed{"secure-backends", "removed from ingress-nginx; use backend-protocol: \"HTTPS\""},
    Removed{"grpc-backend", "removed from ingress-nginx; use backend-protocol: \"GRPC\""},
    Removed{"global-rate-limit", "removed in ingress-nginx v1.12.0; use limit-rps or limit-rpm"},
    Removed{"global-rate-limit-window", "removed in ingress-nginx v1.12.0"},
    Removed{"global-rate-limit-key", "removed in ingress-nginx v1.12.0"},
    Removed{"global-rate-limit-ignored-cidrs", "removed in ingress-nginx v1.12.0"},
    Removed{"enable-opentracing", "removed from ingress-nginx; use enable-opentelemetry"},
    Removed{"opentracing-trust-incoming-span",
            "removed from ingress-nginx; use opentelemetry-trust-incoming-span"},
};

bool isBasicChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '/' || c == ':';
}

// Basic characters plus `extra`; an empty string passes, as Go's `^[...]*$` validators do.
bool onlyBasicAnd(std::string_view s, std::string_view extra) {
    return std::all_of(s.begin(), s.end(), [extra](char c) {
        return isBasicChar(c) || extra.find(c) != std::string_view::npos;
    });
}

bool onlyAlnumAnd(std::string_view s, std::string_view extra) {
    return std::all_of(s.begin(), s.end(), [extra](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               extra.find(c) != std::string_view::npos;
    });
}

bool isDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
}

// ([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)? with the scheme optional or required.
bool isOriginItem(std::string_view s, bool scheme_required) {
    const auto sep = s.find("://");
    if (sep != std::string_view::npos) {
        const std::string_view scheme = s.substr(0, sep);
        if (scheme.empty() ||
            !std::all_of(scheme.begin(), scheme.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
            return false;
        s.remove_prefix(sep + 3);
    } else if (scheme_required) {
        return false;
    }
    if (core::startsWith(s, "*.")) s.remove_prefix(2);
    const auto colon = s.find(':');
    if (colon != std::string_view::npos) {
        if (!isDigits(s.substr(colon + 1))) return false;
        s = s.substr(0, colon);
    }
    return onlyAlnumAnd(s, "-.");
}

}  // namespace

std::string_view riskName(Risk risk) {
    switch (risk) {
        case Risk::Low:
            return "Low";
        case Risk::Medium:
            return "Medium";
        case Risk::High:
            return "High";
        case Risk::Critical:
            return "Critical";
    }
    return "Low";
}

std::span<const AnnotationSpec> annotationTable() {
    return kTable;
}

const AnnotationSpec* findAnnotation(std::string_view name) {
    const auto it = std::find_if(kTable.begin(), kTable.end(),
                                 [name](const AnnotationSpec& spec) { return spec.name == name; });
    return it == kTable.end() ? nullptr : &*it;
}

std::string_view removedAnnotationHint(std::string_view name) {
    for (const Removed& removed : kRemoved)
        if (removed.name == name) return removed.hint;
    return {};
}

std::optional<bool> parseGoBool(std::string_view text) {
    static constexpr std::array<std::string_view, 6> kTrue = {"1",    "t",    "T",
                                                              "TRUE", "true", "True"};
    static constexpr std::array<std::string_view, 6> kFalse = {"0",     "f",     "F",
                                                               "FALSE", "false", "False"};
    if (std::find(kTrue.begin(), kTrue.end(), text) != kTrue.end()) return true;
    if (std::find(kFalse.begin(), kFalse.end(), text) != kFalse.end()) return false;
    return std::nullopt;
}

std::optional<long long> parseGoInt(std::string_view text) {
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (!isDigits(text)) return std::nullopt;
    // Accumulate negatively so that the minimum value parses too.
    long long value = 0;
    constexpr long long kMin = std::numeric_limits<long long>::min();
    for (char c : text) {
        const int digit = c - '0';
        if (value < (kMin + digit) / 10) return std::nullopt;
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == kMin) return std::nullopt;
        value = -value;
    }
    return value;
}

std::optional<std::uint64_t> parseNginxSize(std::string_view text) {
    std::uint64_t multiplier = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'k':
            case 'K':
                multiplier = 1024;
                break;
            case 'm':
            case 'M':
                multiplier = 1024 * 1024;
                break;
            case 'g':
            case 'G':
                multiplier = 1024 * 1024 * 1024;
                break;
            default:
                break;
        }
        if (multiplier != 1) text.remove_suffix(1);
    }
    if (!isDigits(text)) return std::nullopt;
    std::uint64_t value = 0;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    for (char c : text) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (kMax - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (value > kMax / multiplier) return std::nullopt;
    return value * multiplier;
}

std::vector<std::string> splitList(std::string_view text, char separator) {
    std::vector<std::string> out;
    for (const std::string& part : core::split(text, separator)) {
        const std::string_view entry = core::trim(part);
        if (!entry.empty()) out.emplace_back(entry);
    }
    return out;
}

std::string removeSpaces(std::string_view text) {
    std::string out;
    std::copy_if(text.begin(), text.end(), std::back_inserter(out),
                 [](char c) { return c != ' '; });
    return out;
}

std::string urlScheme(std::string_view url) {
    const auto colon = url.find(':');
    if (colon == std::string_view::npos || colon == 0) return {};
    const std::string_view scheme = url.substr(0, colon);
    if (!std::isalpha(static_cast<unsigned char>(scheme.front())) || !onlyAlnumAnd(scheme, "+-."))
        return {};
    return core::toLower(scheme);
}

bool isAbsoluteUrl(std::string_view url) {
    if (urlScheme(url).empty()) return false;
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) return false;
    std::string_view host = url.substr(sep + 3);
    host = host.substr(0, host.find_first_of("/?#"));
    return !host.empty() && host.find("..") == std::string_view::npos;
}

bool isBasicChars(std::string_view s) {
    return onlyBasicAnd(s, "");
}
bool isCharsWithSpace(std::string_view s) {
    return onlyBasicAnd(s, " ");
}
bool isUrlChars(std::string_view s) {
    return onlyBasicAnd(s, "?&=");
}
bool isUrlWithVariableChars(std::string_view s) {
    return onlyBasicAnd(s, "?&=$");
}
bool isRegexChars(std::string_view s) {
    return onlyBasicAnd(s, "^$[](){}*+?|&=\\");
}
bool isRewriteTargetChars(std::string_view s) {
    return onlyBasicAnd(s, "$");
}
bool isNginxVariable(std::string_view s) {
    return onlyAlnumAnd(s, "-_${}");
}
bool isHeaderList(std::string_view s) {
    return onlyAlnumAnd(s, "-_, ");
}
bool isHeaderName(std::string_view s) {
    return !s.empty() && onlyAlnumAnd(s, "-_");
}

bool isDns1035Label(std::string_view s) {
    return !s.empty() && s.size() <= 63 && s.front() >= 'a' && s.front() <= 'z' &&
           s.back() != '-' && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
           });
}

bool isCorsOriginList(std::string_view s) {
    if (s == "*") return true;
    // Go's validator also admits items run together without a comma; such values then fail
    // the per-entry check anyway, so splitting on commas gives the same outcome in practice.
    for (const std::string& item : core::split(s, ','))
        if (item != "null" && !isOriginItem(item, false)) return false;
    return true;
}

bool isCorsOrigin(std::string_view s) {
    return s == "*" || s == "null" || isOriginItem(s, true);
}

}  // namespace ilab::dialect::nginx
