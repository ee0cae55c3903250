#include "engine/dialect/nginx_families.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "engine/core/cidr.h"
#include "engine/core/regex.h"
#include "engine/core/text.h"

namespace ilab::dialect::nginx {
namespace {

using core::Severity;
using Validator = bool (*)(std::string_view);

// --- Generic readers -----------------------------------------------------------------------

std::string boolText(bool value) {
    return value ? "true" : "false";
}

// A Go boolean; an invalid one is reported and `target` keeps its default.
void readBool(AnnotationReader& r, std::string_view name, bool& target) {
    const std::string fallback = boolText(target);
    const auto v = r.value(name, fallback);
    if (!v) return;
    if (const auto parsed = parseGoBool(*v))
        target = *parsed;
    else
        r.invalid(name, "is not a boolean (true/false, 1/0, t/f)", fallback);
}

// A plain Go integer (no spaces, no units). Negative values are refused: nothing here has a
// meaning for them, and the lab keeps the default rather than guess.
template <class Int>
void readCount(AnnotationReader& r, std::string_view name, Int& target, std::string fallback = {}) {
    if (fallback.empty()) fallback = std::to_string(target);
    const auto v = r.value(name, fallback);
    if (!v) return;
    const auto parsed = parseGoInt(*v);
    if (!parsed || *parsed > std::numeric_limits<Int>::max()) {
        r.invalid(name, "is not a plain integer (no units, no spaces)", fallback);
    } else if (*parsed < 0) {
        r.useDefault(name, fullName(name) + " " + shownValue(*v) +
                               " is negative; the lab ignores it (default: " + fallback + ")");
    } else {
        target = static_cast<Int>(*parsed);
    }
}

// A trimmed string that must pass `valid` (on the value without spaces when `strip_spaces`,
// as ingress-nginx's ValidateRegex(…, true) does); nullopt when absent or rejected.
std::optional<std::string> readText(AnnotationReader& r, std::string_view name, Validator valid,
                                    std::string_view fallback, std::string_view rule,
                                    bool strip_spaces = true) {
    auto v = r.text(name, fallback);
    if (!v) return std::nullopt;
    if (!valid(strip_spaces ? removeSpaces(*v) : *v)) {
        r.invalid(name, "fails validation: " + std::string(rule), fallback);
        return std::nullopt;
    }
    return v;
}

// One of `options`; returns the option as listed. `fallback` names the default for messages.
std::optional<std::string_view> readChoice(AnnotationReader& r, std::string_view name,
                                           std::span<const std::string_view> options,
                                           bool case_insensitive, std::string_view fallback) {
    const auto v = r.text(name, fallback);
    if (!v) return std::nullopt;
    for (std::string_view option : options)
        if (case_insensitive ? core::iequals(*v, option) : *v == option) return option;
    std::vector<std::string> listed(options.begin(), options.end());
    r.invalid(name, "is not one of " + core::join(listed, ", "), fallback);
    return std::nullopt;
}

// The annotation to read for a setting with a deprecated alias: the current name unless it is
// absent or empty, as ingress-nginx's checkAnnotation decides.
std::string_view pickName(AnnotationReader& r, std::string_view current, std::string_view alias) {
    const auto value = r.raw(current);
    if (value && !value->empty()) {
        if (r.has(alias))
            r.report(
                Severity::Warning, kNoEffectCode, alias,
                fullName(alias) + " has no effect: " + fullName(current) + " is also set and wins");
        return current;
    }
    return r.has(alias) ? alias : current;
}

void reportNoEffect(AnnotationReader& r, std::string_view name, std::string_view why) {
    if (r.has(name))
        r.report(Severity::Warning, kNoEffectCode, name,
                 fullName(name) + " has no effect " + std::string(why),
                 "remove it, or add the setting it depends on");
}

struct CidrList {
    std::vector<core::Cidr> valid;
    std::vector<std::string> invalid;
};

CidrList parseCidrs(std::string_view text) {
    CidrList out;
    for (const std::string& entry : splitList(text)) {
        if (const auto cidr = core::Cidr::parse(entry))
            out.valid.push_back(*cidr);
        else
            out.invalid.push_back(entry);
    }
    return out;
}

std::string quotedList(const std::vector<std::string>& entries) {
    std::vector<std::string> shown;
    for (const std::string& entry : entries)
        shown.push_back(shownValue(entry));
    return core::join(shown, ", ");
}

// --- Scalars: one row per boolean or integer annotation --------------------------------------

struct BoolField {
    std::string_view name;
    bool& (*field)(IngressPolicies&);
};

constexpr std::array kBoolFields = {
    BoolField{"use-regex", [](IngressPolicies& p) -> bool& { return p.rewrite.use_regex; }},
    BoolField{"ssl-redirect", [](IngressPolicies& p) -> bool& { return p.redirect.ssl_redirect; }},
    BoolField{"force-ssl-redirect",
              [](IngressPolicies& p) -> bool& { return p.redirect.force_ssl_redirect; }},
    BoolField{"preserve-trailing-slash",
              [](IngressPolicies& p) -> bool& { return p.redirect.preserve_trailing_slash; }},
    BoolField{"upstream-hash-by-subset",
              [](IngressPolicies& p) -> bool& { return p.load_balance.hash_by_subset; }},
    BoolField{"session-cookie-secure",
              [](IngressPolicies& p) -> bool& { return p.affinity.cookie_secure; }},
    BoolField{"session-cookie-conditional-samesite-none",
              [](IngressPolicies& p) -> bool& { return p.affinity.conditional_samesite_none; }},
    BoolField{"session-cookie-change-on-failure",
              [](IngressPolicies& p) -> bool& { return p.affinity.change_on_failure; }},
    BoolField{"enable-cors", [](IngressPolicies& p) -> bool& { return p.cors.enabled; }},
    BoolField{"cors-allow-credentials",
              [](IngressPolicies& p) -> bool& { return p.cors.allow_credentials; }},
};

struct IntField {
    std::string_view name;
    int& (*field)(IngressPolicies&);
};

constexpr std::array kIntFields = {
    IntField{"proxy-connect-timeout",
             [](IngressPolicies& p) -> int& { return p.timeouts.connect_seconds; }},
    IntField{"proxy-read-timeout",
             [](IngressPolicies& p) -> int& { return p.timeouts.read_seconds; }},
    IntField{"proxy-send-timeout",
             [](IngressPolicies& p) -> int& { return p.timeouts.send_seconds; }},
    IntField{"proxy-next-upstream-tries", [](IngressPolicies& p) -> int& { return p.retry.tries; }},
    IntField{"proxy-next-upstream-timeout",
             [](IngressPolicies& p) -> int& { return p.retry.timeout_seconds; }},
    IntField{"upstream-hash-by-subset-size",
             [](IngressPolicies& p) -> int& { return p.load_balance.hash_by_subset_size; }},
    IntField{"limit-rps", [](IngressPolicies& p) -> int& { return p.rate_limit.rps; }},
    IntField{"limit-rpm", [](IngressPolicies& p) -> int& { return p.rate_limit.rpm; }},
    IntField{"limit-connections",
             [](IngressPolicies& p) -> int& { return p.rate_limit.connections; }},
    IntField{"limit-burst-multiplier",
             [](IngressPolicies& p) -> int& { return p.rate_limit.burst_multiplier; }},
};

struct LongField {
    std::string_view name;
    long long& (*field)(IngressPolicies&);
};

constexpr std::array kLongFields = {
    LongField{"limit-rate",
              [](IngressPolicies& p) -> long long& { return p.rate_limit.rate_kbytes; }},
    LongField{"limit-rate-after",
              [](IngressPolicies& p) -> long long& { return p.rate_limit.rate_after_kbytes; }},
    LongField{"cors-max-age", [](IngressPolicies& p) -> long long& { return p.cors.max_age; }},
};

void readScalars(AnnotationReader& r, IngressPolicies& p) {
    for (const BoolField& f : kBoolFields)
        readBool(r, f.name, f.field(p));
    for (const IntField& f : kIntFields)
        readCount(r, f.name, f.field(p));
    for (const LongField& f : kLongFields)
        readCount(r, f.name, f.field(p));
}

// --- Canary --------------------------------------------------------------------------------

constexpr std::array<std::string_view, 6> kCanaryOptions = {
    "canary-by-header", "canary-by-header-value", "canary-by-header-pattern",
    "canary-by-cookie", "canary-weight",          "canary-weight-total"};

void readHeaderPattern(AnnotationReader& r, CanaryPolicy& canary) {
    constexpr std::string_view kName = "canary-by-header-pattern";
    if (!r.has(kName)) return;
    if (!canary.by_header) return reportNoEffect(r, kName, "without canary-by-header");
    if (canary.by_header_value)
        return reportNoEffect(r, kName, "because canary-by-header-value is set (the value wins)");
    auto pattern = readText(r, kName, isRegexChars, "no pattern",
                            "letters, digits, - . _ ~ / : and regex characters only", false);
    if (!pattern) return;
    std::string error;
    canary.header_pattern = core::Regex::compile(*pattern, {}, &error);
    canary.by_header_pattern = std::move(pattern);
    if (!canary.header_pattern) {
        canary.header_pattern_invalid = true;
        r.useDefault(kName,
                     fullName(kName) + " does not compile (" + error +
                         "): ingress-nginx sends every request carrying the header to the main "
                         "backend, without checking the cookie or the weight",
                     "fix the PCRE pattern");
    }
}

void readCanary(AnnotationReader& r, IngressPolicies& p) {
    CanaryPolicy& canary = p.canary;
    readBool(r, "canary", canary.enabled);
    if (!canary.enabled) {
        // ingress-nginx fails the canary parse ("configured but not enabled") and serves the
        // Ingress as an ordinary one, competing with the main Ingress for its paths.
        for (std::string_view name : kCanaryOptions)
            if (r.has(name))
                r.report(Severity::Warning, kCanaryDisabledCode, name,
                         fullName(name) + " is set but " + fullName("canary") +
                             " is not \"true\": the canary settings are dropped and this Ingress "
                             "is served as an ordinary one",
                         "add nginx.ingress.kubernetes.io/canary: \"true\" or remove the canary-* "
                         "annotations");
        return;
    }
    readCount(r, "canary-weight", canary.weight);
    readCount(r, "canary-weight-total", canary.weight_total);
    if (r.has("canary-weight-total") && canary.weight_total < 100)
        r.report(Severity::Warning, kNoEffectCode, "canary-weight-total",
                 fullName("canary-weight-total") + " " + std::to_string(canary.weight_total) +
                     " has no effect: ingress-nginx's balancer only uses totals above 100, so "
                     "canary-weight is a percentage here");
    constexpr std::string_view kBasicRule = "letters, digits and - . _ ~ / : only";
    canary.by_header = readText(r, "canary-by-header", isBasicChars, "no header", kBasicRule);
    canary.by_header_value =
        readText(r, "canary-by-header-value", isBasicChars, "no value", kBasicRule);
    if (canary.by_header_value && !canary.by_header) {
        reportNoEffect(r, "canary-by-header-value", "without canary-by-header");
        canary.by_header_value.reset();
    }
    readHeaderPattern(r, canary);
    canary.by_cookie = readText(r, "canary-by-cookie", isBasicChars, "no cookie", kBasicRule);
}

// --- Rewrite and redirects -----------------------------------------------------------------

void readRewrite(AnnotationReader& r, IngressPolicies& p) {
    if (auto target = r.text("rewrite-target", "no rewrite")) {
        if (isRewriteTargetChars(*target))
            p.rewrite.target = std::move(target);
        else
            r.invalid("rewrite-target",
                      "has characters other than letters, digits and - . _ ~ / : $ (no ?, & or %)",
                      "no rewrite");
    }
    if (auto root = r.text("app-root", "no app-root redirect")) {
        if (core::startsWith(*root, "/") && isRewriteTargetChars(*root))
            p.rewrite.app_root = std::move(root);
        else
            r.invalid("app-root", "is not an absolute path such as /app (URLs are rejected)",
                      "no app-root redirect");
    }
    p.rewrite.x_forwarded_prefix = readText(r, "x-forwarded-prefix", isBasicChars, "no header",
                                            "letters, digits and - . _ ~ / : only");
}

// A redirect code: not an integer fails validation (the Ingress is dropped); outside
// [300, max] is replaced by the default without complaint from ingress-nginx.
std::optional<int> readRedirectCode(AnnotationReader& r, std::string_view name, int max,
                                    int fallback) {
    const auto v = r.value(name, std::to_string(fallback));
    if (!v) return fallback;
    const auto code = parseGoInt(*v);
    if (!code) {
        r.invalid(name, "is not an integer", "");
        return std::nullopt;
    }
    if (*code < 300 || *code > max) {
        r.useDefault(name, fullName(name) + " " + shownValue(*v) + " is outside 300.." +
                               std::to_string(max) + "; ingress-nginx uses " +
                               std::to_string(fallback));
        return fallback;
    }
    return static_cast<int>(*code);
}

// Mirrors the redirect parser's order (internal/ingress/annotations/redirect/redirect.go):
// from-to-www, relative-redirects, then temporal (which returns before permanent-redirect is
// even read), then permanent. An empty value or a temporal URL whose scheme is not http* makes
// the parser fail without a validation error: ingress-nginx then skips all the redirect
// settings (relative-redirects too: the whole redirect config is nil) but keeps the Ingress.
void readRedirect(AnnotationReader& r, IngressPolicies& p) {
    bool from_to_www = false;
    readBool(r, "from-to-www-redirect", from_to_www);
    bool relative = false;
    readBool(r, "relative-redirects", relative);
    RedirectPolicy& redirect = p.redirect;

    const auto skip_group = [&](std::string_view name, std::string why) {
        r.useDefault(name, fullName(name) + " " + std::move(why) +
                               "; ingress-nginx skips this Ingress's redirect annotations "
                               "(temporal, permanent, from-to-www)");
    };
    if (r.has("temporal-redirect")) {
        const auto url = r.raw("temporal-redirect");
        if (core::trim(*url).empty()) return skip_group("temporal-redirect", "is empty");
        const auto target = r.value("temporal-redirect", "");
        if (!target) return;
        if (!isUrlChars(*target))
            return r.invalid("temporal-redirect",
                             "has characters other than letters, digits and - . _ ~ / : ? & = "
                             "(nginx variables such as $request_uri are refused)",
                             "");
        if (!core::startsWith(urlScheme(*target), "http"))
            return skip_group("temporal-redirect", shownValue(*target) + " is not an http(s) URL");
        const auto code = readRedirectCode(r, "temporal-redirect-code", 307, 302);
        if (!code) return;
        redirect.temporal = Redirect{std::string(core::trim(*target)), *code};
        redirect.from_to_www = from_to_www;
        redirect.relative = relative;
        reportNoEffect(r, "permanent-redirect", "because temporal-redirect is set (it wins)");
        return;
    }
    reportNoEffect(r, "temporal-redirect-code", "without temporal-redirect");
    if (r.has("permanent-redirect") && core::trim(*r.raw("permanent-redirect")).empty())
        return skip_group("permanent-redirect", "is empty");
    const auto target = r.value("permanent-redirect", "");
    if (target && !isUrlChars(*target))
        return r.invalid("permanent-redirect",
                         "has characters other than letters, digits and - . _ ~ / : ? & = "
                         "(nginx variables such as $request_uri are refused)",
                         "");
    const auto code = readRedirectCode(r, "permanent-redirect-code", 308, 301);
    if (!code) return;
    if (target)
        redirect.permanent = Redirect{std::string(core::trim(*target)), *code};
    else
        reportNoEffect(r, "permanent-redirect-code", "without permanent-redirect");
    redirect.from_to_www = from_to_www;
    redirect.relative = relative;
}

// --- Source ranges -------------------------------------------------------------------------

// allowlist/denylist: invalid entries are skipped; a list with no valid entry at all denies
// every location of the Ingress (ingress-nginx's "Location denied", 503).
bool readSourceRange(AnnotationReader& r, std::string_view name, std::vector<core::Cidr>& target) {
    const auto v = r.value(name, "no list");
    if (!v) return false;
    CidrList list = parseCidrs(*v);
    if (list.valid.empty()) {
        r.denyLocation(name,
                       fullName(name) + " " + shownValue(*v) +
                           " holds no valid IP address or CIDR; every location of this Ingress "
                           "answers 503",
                       "write a comma-separated list such as 10.0.0.0/8, 192.168.1.7");
        return false;
    }
    if (!list.invalid.empty())
        r.useDefault(name, fullName(name) + " skips entries that are not an IP address or CIDR: " +
                               quotedList(list.invalid));
    target = std::move(list.valid);
    return true;
}

void readSourceRanges(AnnotationReader& r, IngressPolicies& p) {
    const std::string_view allow = pickName(r, "allowlist-source-range", "whitelist-source-range");
    p.access.has_allow_list = readSourceRange(r, allow, p.access.allow);
    readSourceRange(r, "denylist-source-range", p.access.deny);
}

// --- Upstream, custom errors, proxy --------------------------------------------------------

void readUpstream(AnnotationReader& r, IngressPolicies& p) {
    static constexpr std::array<std::string_view, 6> kProtocols = {"HTTP", "HTTPS", "AUTO_HTTP",
                                                                   "GRPC", "GRPCS", "FCGI"};
    static constexpr std::array kProtocolValues = {
        BackendProtocol::Http, BackendProtocol::Https, BackendProtocol::AutoHttp,
        BackendProtocol::Grpc, BackendProtocol::Grpcs, BackendProtocol::Fcgi};
    if (const auto protocol = readChoice(r, "backend-protocol", kProtocols, true, "HTTP")) {
        const auto index = static_cast<std::size_t>(
            std::find(kProtocols.begin(), kProtocols.end(), *protocol) - kProtocols.begin());
        p.upstream.protocol = kProtocolValues[index];
    }
    p.upstream.vhost = readText(r, "upstream-vhost", isRegexChars, "the request's Host",
                                "letters, digits, - . _ ~ / : and regex characters only", false);
    p.upstream.default_backend =
        readText(r, "default-backend", isDns1035Label, "the controller's default backend",
                 "a Service name (lower-case letters, digits and -, starting with a letter)");
    if (const auto aliases = r.text("server-alias", "no aliases")) {
        std::vector<std::string> names = splitList(*aliases);
        if (std::all_of(names.begin(), names.end(),
                        [](const std::string& n) { return isRegexChars(n); }))
            p.upstream.server_aliases = std::move(names);
        else
            r.invalid("server-alias", "holds a name with characters nginx server_name refuses",
                      "no aliases");
    }
}

// [4,5]\d{2} items, each optionally followed by a comma: ingress-nginx's validator.
bool isHttpErrorList(std::string_view s) {
    std::size_t i = 0;
    const auto digit = [&](std::size_t at) { return s[at] >= '0' && s[at] <= '9'; };
    while (i < s.size()) {
        if (i + 3 > s.size() || (s[i] != '4' && s[i] != '5' && s[i] != ',') || !digit(i + 1) ||
            !digit(i + 2))
            return false;
        i += 3;
        if (i < s.size() && s[i] == ',') ++i;
    }
    return true;
}

void readCustomErrors(AnnotationReader& r, IngressPolicies& p) {
    bool enabled = true;
    readBool(r, "enable-custom-http-errors", enabled);
    const auto v = r.text("custom-http-errors", "no custom error pages");
    if (!v) return;
    if (!isHttpErrorList(removeSpaces(*v)))
        return r.invalid("custom-http-errors", "is not a comma-separated list of 4xx/5xx codes",
                         "");
    std::vector<int> codes;
    for (const std::string& entry : core::split(*v, ',')) {
        // Validation ignored spaces but the parser does not trim: "404, 500" is not applied.
        const auto code = parseGoInt(entry);
        if (!code)
            return r.useDefault("custom-http-errors",
                                fullName("custom-http-errors") + " entry " + shownValue(entry) +
                                    " is not a plain integer; ingress-nginx applies no custom "
                                    "error pages",
                                "write the codes without spaces or a trailing comma: \"404,503\"");
        codes.push_back(static_cast<int>(*code));
    }
    if (enabled)
        p.upstream.custom_http_errors = std::move(codes);
    else
        reportNoEffect(r, "custom-http-errors", "because enable-custom-http-errors is false");
}

void readProxy(AnnotationReader& r, IngressPolicies& p) {
    if (const auto size = r.text("proxy-body-size", p.body_limit.as_written)) {
        if (const auto bytes = parseNginxSize(*size)) {
            p.body_limit.max_bytes = *bytes;
            p.body_limit.as_written = *size;
        } else {
            r.invalid("proxy-body-size", "is not an nginx size (digits and one of k, m, g)",
                      p.body_limit.as_written);
        }
    }
    static constexpr std::array<std::string_view, 12> kConditions = {
        "error",    "timeout",  "invalid_header", "http_500", "http_502",       "http_503",
        "http_504", "http_403", "http_404",       "http_429", "non_idempotent", "off"};
    if (const auto conditions = r.text("proxy-next-upstream", "error timeout")) {
        std::vector<std::string> tokens = splitList(*conditions, ' ');
        const auto unknown = std::find_if(tokens.begin(), tokens.end(), [](const std::string& t) {
            return std::find(kConditions.begin(), kConditions.end(), t) == kConditions.end();
        });
        if (unknown == tokens.end())
            p.retry.conditions = std::move(tokens);
        else
            r.invalid("proxy-next-upstream", "has the unknown condition " + shownValue(*unknown),
                      "error timeout");
    }
    static constexpr std::array<std::string_view, 2> kOnOff = {"on", "off"};
    if (const auto buffering = readChoice(r, "proxy-request-buffering", kOnOff, false, "on"))
        p.retry.request_buffering = *buffering == "on";
    if (const auto buffering = readChoice(r, "proxy-buffering", kOnOff, false, "off"))
        p.rate_limit.response_buffering = *buffering == "on";
}

// --- Rate limiting -------------------------------------------------------------------------

void readRateLimit(AnnotationReader& r, IngressPolicies& p) {
    const std::string_view name = pickName(r, "limit-allowlist", "limit-whitelist");
    const auto v = r.value(name, "no allowlist");
    if (!v) return;
    CidrList list = parseCidrs(*v);
    if (!list.invalid.empty())
        return r.invalid(
            name, "has entries that are not an IP address or CIDR: " + quotedList(list.invalid),
            "");
    p.rate_limit.allowlist = std::move(list.valid);
}

// --- Load balancing and affinity -----------------------------------------------------------

void readLoadBalance(AnnotationReader& r, IngressPolicies& p) {
    // The internal balancer names are accepted too (balancer.lua falls back to round_robin
    // for anything it does not know).
    static constexpr std::array<std::string_view, 6> kAlgorithms = {
        "round_robin", "ewma", "chash", "chashsubset", "sticky_balanced", "sticky_persistent"};
    if (const auto algorithm = readChoice(r, "load-balance", kAlgorithms, false, "round_robin"))
        p.load_balance.algorithm = *algorithm;
    p.load_balance.hash_by = readText(r, "upstream-hash-by", isNginxVariable, "no hashing",
                                      "letters, digits, - _ $ { } only", false);
}

constexpr std::array<std::string_view, 10> kCookieOptions = {
    "affinity-mode",           "session-cookie-name",
    "session-cookie-path",     "session-cookie-domain",
    "session-cookie-samesite", "session-cookie-conditional-samesite-none",
    "session-cookie-expires",  "session-cookie-max-age",
    "session-cookie-secure",   "session-cookie-change-on-failure"};

std::optional<long long> readSeconds(AnnotationReader& r, std::string_view name) {
    long long seconds = -1;
    readCount(r, name, seconds, "no attribute");
    if (seconds < 0) return std::nullopt;
    return seconds;
}

void readCookie(AnnotationReader& r, AffinityPolicy& affinity) {
    if (auto name = readText(r, "session-cookie-name", isHeaderName, affinity.cookie_name,
                             "letters, digits, - and _ only"))
        affinity.cookie_name = std::move(*name);
    affinity.cookie_path =
        readText(r, "session-cookie-path", isUrlWithVariableChars, "the location's path", "a path");
    affinity.cookie_domain = readText(r, "session-cookie-domain", isBasicChars, "no Domain",
                                      "letters, digits and - . _ ~ / : only");
    static constexpr std::array<std::string_view, 3> kSameSite = {"None", "Lax", "Strict"};
    if (const auto same_site =
            readChoice(r, "session-cookie-samesite", kSameSite, true, "no SameSite"))
        affinity.cookie_samesite = std::string(*same_site);
    affinity.cookie_expires = readSeconds(r, "session-cookie-expires");
    affinity.cookie_max_age = readSeconds(r, "session-cookie-max-age");
}

void readAffinity(AnnotationReader& r, IngressPolicies& p) {
    AffinityPolicy& affinity = p.affinity;
    if (const auto type = r.text("affinity", "no affinity")) {
        if (*type == "cookie")
            affinity.cookie = true;
        else
            r.invalid("affinity", "is not supported (only \"cookie\" is)", "no affinity");
    }
    static constexpr std::array<std::string_view, 2> kModes = {"balanced", "persistent"};
    if (const auto mode = readChoice(r, "affinity-mode", kModes, false, "balanced"))
        affinity.mode = *mode;
    readCookie(r, affinity);
    static constexpr std::array<std::string_view, 2> kBehaviors = {"sticky", "legacy"};
    if (const auto behavior =
            readChoice(r, "affinity-canary-behavior", kBehaviors, false, "sticky"))
        p.canary.affinity_behavior =
            *behavior == "legacy" ? AffinityCanaryBehavior::Legacy : AffinityCanaryBehavior::Sticky;
    if (!p.canary.enabled)
        reportNoEffect(r, "affinity-canary-behavior", "on an Ingress that is not a canary");
    if (affinity.cookie) return;
    const auto first = std::find_if(kCookieOptions.begin(), kCookieOptions.end(),
                                    [&](std::string_view name) { return r.has(name); });
    if (first != kCookieOptions.end())
        r.report(Severity::Warning, kNoEffectCode, *first,
                 fullName(*first) +
                     " and the other session-cookie-* settings have no effect "
                     "without nginx.ingress.kubernetes.io/affinity: \"cookie\"");
}

// --- CORS ----------------------------------------------------------------------------------

bool isCorsMethodList(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) || c == ',';
    });
}

bool isCorsExposeList(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '*' ||
               c == ',';
    });
}

void readCorsOrigins(AnnotationReader& r, CorsPolicy& cors) {
    constexpr std::string_view kName = "cors-allow-origin";
    const auto v = r.text(kName, "*");
    if (!v) return;
    if (!isCorsOriginList(removeSpaces(*v)))
        return r.invalid(kName, "is not a list of scheme://host[:port] origins", "*");
    std::vector<std::string> origins, skipped;
    for (const std::string& origin : splitList(*v)) {
        if (origin == "*") {  // anywhere in the list, * alone wins
            origins = {"*"};
            skipped.clear();
            break;
        }
        if (isCorsOrigin(origin))
            origins.push_back(origin);
        else
            skipped.push_back(origin);
    }
    if (!skipped.empty())
        r.useDefault(kName,
                     fullName(kName) + " skips entries without a scheme://: " + quotedList(skipped),
                     "write origins as https://example.com[:port]");
    cors.allow_origins = std::move(origins);
    if (cors.allow_origins.empty())
        r.report(Severity::Warning, kNoEffectCode, kName,
                 fullName(kName) + " allows no origin at all: no CORS headers are sent");
}

// internal/ingress/annotations/customheaders/main.go: a ConfigMap name of basic characters; a
// value failing validation reads as unset (the parser logs it and goes on without headers).
void readCustomHeaders(AnnotationReader& r, IngressPolicies& p) {
    if (auto name = readText(r, "custom-headers", isBasicChars, "no custom headers",
                             "letters, digits and - . _ ~ / : only"))
        p.response_headers.config_map = *name;
}

void readCors(AnnotationReader& r, IngressPolicies& p) {
    CorsPolicy& cors = p.cors;
    readCorsOrigins(r, cors);
    if (auto methods = readText(r, "cors-allow-methods", isCorsMethodList, "the default methods",
                                "method names separated by commas"))
        cors.allow_methods = std::move(*methods);
    if (auto headers = readText(r, "cors-allow-headers", isHeaderList, "the default headers",
                                "header names separated by commas"))
        cors.allow_headers = std::move(*headers);
    if (auto expose = readText(r, "cors-expose-headers", isCorsExposeList, "no header",
                               "header names or * separated by commas"))
        cors.expose_headers = std::move(*expose);
}

// --- Authentication ------------------------------------------------------------------------

void readBasicAuth(AnnotationReader& r, IngressPolicies& p) {
    static constexpr std::array<std::string_view, 3> kRequiresType = {
        "auth-secret", "auth-secret-type", "auth-realm"};
    if (!r.has("auth-type")) {
        for (std::string_view name : kRequiresType)
            reportNoEffect(r, name, "without auth-type");
        return;
    }
    const auto type = r.text("auth-type", "no authentication");
    if (!type) return;
    if (*type != "basic" && *type != "digest")
        return r.invalid("auth-type", "is not \"basic\" or \"digest\"", "");
    AuthPolicy& auth = p.auth;
    const auto secret = r.raw("auth-secret");
    if (!secret || core::trim(*secret).empty())
        return r.denyLocation("auth-type",
                              fullName("auth-type") + " \"" + *type + "\" needs " +
                                  fullName("auth-secret") +
                                  "; every location of this Ingress answers 503",
                              "name the Secret holding the htpasswd data");
    const auto name = readText(r, "auth-secret", isBasicChars, "", "a Secret name or ns/name");
    if (!name) return;
    static constexpr std::array<std::string_view, 2> kSecretTypes = {"auth-file", "auth-map"};
    if (const auto secret_type =
            readChoice(r, "auth-secret-type", kSecretTypes, false, "auth-file"))
        auth.secret_type = *secret_type;
    auth.realm = readText(r, "auth-realm", isCharsWithSpace, "an empty realm",
                          "letters, digits, spaces and - . _ ~ / : only", false);
    auth.type = *type;
    auth.secret = *name;
}

constexpr std::array<std::string_view, 9> kHttpMethods = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"};

void readExternalAuth(AnnotationReader& r, IngressPolicies& p) {
    static constexpr std::array<std::string_view, 4> kRequiresUrl = {
        "auth-method", "auth-signin", "auth-signin-redirect-param", "auth-response-headers"};
    if (!r.has("auth-url")) {
        for (std::string_view name : kRequiresUrl)
            reportNoEffect(r, name, "without auth-url");
        return;
    }
    const auto url = r.text("auth-url", "no external authentication");
    if (!url) return;
    if (!isUrlWithVariableChars(*url))
        return r.invalid("auth-url",
                         "has characters other than letters, digits, nginx variables and "
                         "- . _ ~ / : ? & =",
                         "");
    // Valid characters but not a URL: the parser turns that into "Location denied".
    if (!isAbsoluteUrl(*url))
        return r.denyLocation("auth-url",
                              fullName("auth-url") + " " + shownValue(*url) +
                                  " is not an absolute URL with a host; every location of this "
                                  "Ingress answers 503",
                              "write it as http://auth-service.namespace.svc/path");
    AuthPolicy& auth = p.auth;
    if (const auto method = readChoice(r, "auth-method", kHttpMethods, false, "GET"))
        auth.method = std::string(*method);
    if (const auto headers = r.text("auth-response-headers", "no headers")) {
        std::vector<std::string> names = splitList(*headers);
        if (isHeaderList(*headers) && !names.empty())
            auth.response_headers = std::move(names);
        else
            r.invalid("auth-response-headers", "is not a comma-separated header list", "");
    }
    auth.signin = readText(r, "auth-signin", isUrlWithVariableChars, "no sign-in redirect",
                           "a URL (letters, digits, nginx variables and - . _ ~ / : ? & =)");
    auth.signin_redirect_param = readText(r, "auth-signin-redirect-param", isBasicChars, "rd",
                                          "letters, digits and - . _ ~ / : only");
    auth.url = *url;
}

// --- All families --------------------------------------------------------------------------

using FamilyReader = void (*)(AnnotationReader&, IngressPolicies&);

// Canary first: readAffinity reads affinity-canary-behavior into the canary policy.
constexpr std::array<FamilyReader, 15> kFamilies = {
    readCanary,   readScalars,      readRewrite,   readRedirect,     readSourceRanges,
    readUpstream, readCustomErrors, readProxy,     readRateLimit,    readLoadBalance,
    readAffinity, readCors,         readBasicAuth, readExternalAuth, readCustomHeaders,
};

}  // namespace

void readFamilies(AnnotationReader& reader, IngressPolicies& policies) {
    for (FamilyReader read : kFamilies)
        read(reader, policies);
}

}  // namespace ilab::dialect::nginx
