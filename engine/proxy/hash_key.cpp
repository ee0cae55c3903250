// What a hash key or an affinity cookie reads from a request (RequestView), and
// upstream-hash-by's expansion (expandHashKey, after ingress-nginx's util.parse_complex_value).
#include <algorithm>
#include <cctype>
#include <string>

#include "engine/core/cidr.h"
#include "engine/core/text.h"
#include "engine/proxy/balancer.h"

namespace ilab::proxy {
namespace {

bool isNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// nginx's $http_NAME: the header name lower-cased with '-' as '_'.
bool headerNameMatches(std::string_view header, std::string_view variable_suffix) {
    if (header.size() != variable_suffix.size()) return false;
    for (std::size_t i = 0; i < header.size(); ++i) {
        char h = static_cast<char>(std::tolower(static_cast<unsigned char>(header[i])));
        const char v =
            static_cast<char>(std::tolower(static_cast<unsigned char>(variable_suffix[i])));
        if (h == '-') h = '_';
        if (h != v) return false;
    }
    return true;
}

std::string_view hostWithoutPort(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        return close == std::string_view::npos ? host : host.substr(0, close + 1);
    }
    const auto colon = host.find(':');
    return colon == std::string_view::npos ? host : host.substr(0, colon);
}

std::string queryArgument(std::string_view args, std::string_view name) {
    std::size_t start = 0;
    while (start <= args.size()) {
        const auto end = std::min(args.find('&', start), args.size());
        const std::string_view item = args.substr(start, end - start);
        const auto eq = item.find('=');
        if (eq != std::string_view::npos && core::iequals(item.substr(0, eq), name))
            return std::string(item.substr(eq + 1));
        start = end + 1;
    }
    return {};
}

std::string variable(std::string_view raw_name, const RequestView& r) {
    const std::string name = core::toLower(raw_name);
    if (name == "request_uri") return std::string(r.request_uri);
    if (name == "uri" || name == "document_uri") return std::string(r.uri);
    if (name == "args" || name == "query_string") return std::string(r.args);
    if (name == "is_args") return r.args.empty() ? "" : "?";
    if (name == "host") return core::toLower(hostWithoutPort(r.host));
    if (name == "remote_addr") return std::string(r.remote_addr);
    if (name == "scheme") return std::string(r.scheme);
    if (name == "request_method") return std::string(r.method);
    if (name == "binary_remote_addr") {
        const auto ip = core::IpAddress::parse(r.remote_addr);
        if (!ip) return {};
        const auto* bytes = reinterpret_cast<const char*>(ip->bytes.data());
        return ip->v4 ? std::string(bytes + 12, 4) : std::string(bytes, 16);
    }
    if (core::startsWith(name, "http_") && r.headers) {
        const std::string_view wanted = std::string_view(name).substr(5);
        for (const auto& [key, value] : *r.headers)
            if (headerNameMatches(key, wanted)) return value;
        return {};
    }
    if (core::startsWith(name, "cookie_")) {
        // Cookie names keep their case: take it from the pattern, not the lower-cased copy.
        const auto value = r.cookie(raw_name.substr(7));
        return value ? std::string(*value) : std::string();
    }
    if (core::startsWith(name, "arg_")) return queryArgument(r.args, name.substr(4));
    // $1..$9 are captures of a regex location, which the balancer does not see; anything else
    // is a variable ingress-nginx would also find empty or the lab does not model.
    return {};
}

}  // namespace

// --- RequestView ------------------------------------------------------------------------------

RequestView RequestView::from(const routing::Request& request) {
    RequestView view;
    view.method = request.method;
    view.scheme = request.scheme;
    view.host = request.host;
    view.request_uri = request.target;
    const std::string_view target = request.target;
    const auto query = target.find('?');
    view.uri = target.substr(0, query);
    view.args = query == std::string_view::npos ? std::string_view() : target.substr(query + 1);
    view.remote_addr = request.client_ip;
    view.headers = &request.headers;
    return view;
}

std::optional<std::string_view> RequestView::header(std::string_view name) const {
    if (!headers) return std::nullopt;
    for (const auto& [key, value] : *headers)
        if (core::iequals(key, name)) return std::string_view(value);
    return std::nullopt;
}

std::optional<std::string_view> RequestView::cookie(std::string_view name) const {
    if (!headers) return std::nullopt;
    for (const auto& [key, value] : *headers) {
        if (!core::iequals(key, "cookie")) continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            const std::string_view item = core::trim(rest.substr(0, semi));
            const auto eq = item.find('=');
            if (eq != std::string_view::npos && core::trim(item.substr(0, eq)) == name)
                return item.substr(eq + 1);
            if (semi == std::string_view::npos) break;
            rest.remove_prefix(semi + 1);
        }
    }
    return std::nullopt;
}

std::string expandHashKey(std::string_view pattern, const RequestView& request) {
    // The alternatives of util.parse_complex_value, tried in its order at each position:
    // \$name (kept as written), ${name}, $name, a lone $, or a run of other text. gmatch skips
    // what matches none of them, which is only a backslash not followed by $name.
    std::string out;
    std::size_t i = 0;
    const auto nameEnd = [&](std::size_t from) {
        while (from < pattern.size() && isNameChar(pattern[from]))
            ++from;
        return from;
    };
    while (i < pattern.size()) {
        const char c = pattern[i];
        if (c == '\\') {
            if (i + 2 < pattern.size() && pattern[i + 1] == '$' && isNameChar(pattern[i + 2])) {
                const std::size_t end = nameEnd(i + 2);
                out.append(pattern.substr(i, end - i));
                i = end;
            } else {
                ++i;
            }
            continue;
        }
        if (c == '$') {
            if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
                const std::size_t end = nameEnd(i + 2);
                if (end > i + 2 && end < pattern.size() && pattern[end] == '}') {
                    out += variable(pattern.substr(i + 2, end - i - 2), request);
                    i = end + 1;
                    continue;
                }
            }
            const std::size_t end = nameEnd(i + 1);
            if (end > i + 1) {
                out += variable(pattern.substr(i + 1, end - i - 1), request);
                i = end;
            } else {
                out += '$';
                ++i;
            }
            continue;
        }
        const std::size_t end = std::min(pattern.find_first_of("$\\", i), pattern.size());
        out.append(pattern.substr(i, end - i));
        i = end;
    }
    return out;
}

}  // namespace ilab::proxy
