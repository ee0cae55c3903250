#pragma once
// ingress-nginx's annotation catalogue and the value syntax its Go parsers accept.
// One table drives unknown-annotation detection, the risk check, canary filtering and the
// reference page docs/dialect-nginx.md (a test keeps the page in step with the table).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ilab::dialect::nginx {

inline constexpr std::string_view kPrefix = "nginx.ingress.kubernetes.io/";

// Risk levels from ingress-nginx's annotations-risk.md.
enum class Risk { Low, Medium, High, Critical };
// The ConfigMap's annotations-risk-level default: an Ingress carrying an annotation above it
// is rejected whole (by the webhook, or by the controller's store without one).
inline constexpr Risk kMaxAllowedRisk = Risk::High;
std::string_view riskName(Risk risk);

// What ingress-nginx does when a value fails validation: its parsers either absorb the error
// and keep the default, or pass it up (the extractor then denies locations or drops the Ingress).
enum class OnInvalid {
    UseDefault,    // ILAB-NGINX-002
    DenyLocation,  // ILAB-NGINX-003: every location of the Ingress answers 503
    DropIngress,   // ILAB-NGINX-004: the controller ignores the whole Ingress
};

struct AnnotationSpec {
    std::string_view name;  // without the prefix
    Risk risk = Risk::Low;
    OnInvalid on_invalid = OnInvalid::UseDefault;
    bool simulated = true;           // false: ingress-nginx accepts it, the lab does not model it
    bool applies_on_canary = false;  // honoured on a canary Ingress (canary-*, balancing, affinity)
    std::string_view replaced_by;    // set on a deprecated alias: the name to use instead
};

// Every annotation ingress-nginx v1.15 knows, in documentation order.
std::span<const AnnotationSpec> annotationTable();
// The entry for a name without the prefix, or nullptr.
const AnnotationSpec* findAnnotation(std::string_view name);
// For a name ingress-nginx used to support and removed: what to do instead; "" otherwise.
std::string_view removedAnnotationHint(std::string_view name);

// --- Value syntax -------------------------------------------------------------------------

// Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False, nothing else.
std::optional<bool> parseGoBool(std::string_view text);
// Go's strconv.Atoi: optional sign and decimal digits only, no spaces, no units.
std::optional<long long> parseGoInt(std::string_view text);
// An nginx size as the template accepts it, \d+[kKmMgG]?, in bytes (k = 1024).
std::optional<std::uint64_t> parseNginxSize(std::string_view text);
// Splits a list, trims every entry and drops empty ones.
std::vector<std::string> splitList(std::string_view text, char separator = ',');
std::string removeSpaces(std::string_view text);
// The URL scheme as Go's url.Parse reads it (lower-cased), or "" when there is none.
std::string urlScheme(std::string_view url);
// An absolute URL with a scheme and a host, as ingress-nginx's StringToURL requires.
bool isAbsoluteUrl(std::string_view url);

// --- Validators mirroring ingress-nginx's parser/validators.go -----------------------------
// "Basic" characters are letters, digits and - . _ ~ / :

bool isBasicChars(std::string_view s);
bool isCharsWithSpace(std::string_view s);        // basic plus space (auth-realm)
bool isUrlChars(std::string_view s);              // basic plus ? & = (redirect URLs)
bool isUrlWithVariableChars(std::string_view s);  // basic plus ? & = $ (auth-url, signin)
bool isRegexChars(std::string_view s);          // basic plus ^ $ [ ] ( ) { } * + ? | & = backslash
bool isRewriteTargetChars(std::string_view s);  // basic plus $ (no ?, & or %)
bool isNginxVariable(std::string_view s);       // letters digits - _ $ { }
bool isHeaderList(std::string_view s);          // letters digits - _ , space
bool isHeaderName(std::string_view s);          // letters digits - _
bool isDns1035Label(std::string_view s);        // a Service name
// cors-allow-origin as a whole (spaces removed): "*" or scheme://host[:port] items and "null".
bool isCorsOriginList(std::string_view s);
// One cors-allow-origin entry: scheme://[*.]host[:port], "*" or "null"; the scheme is required.
bool isCorsOrigin(std::string_view s);

}  // namespace ilab::dialect::nginx
