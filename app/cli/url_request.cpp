#include "app/cli/url_request.h"

#include <algorithm>

#include <boost/url/parse.hpp>

#include "engine/core/cidr.h"
#include "engine/core/text.h"

namespace ilab::cli {

std::optional<std::uint64_t> parseContentLength(std::string_view text) {
    constexpr std::uint64_t kMax = 9223372036854775807ull;  // nginx's NGX_MAX_OFF_T_VALUE
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');  // 19 digits fit in 64 bits
    }
    if (value > kMax) return std::nullopt;
    return value;
}

std::optional<std::uint64_t> parseSeed(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::string withDefaultScheme(const std::string& url, bool* assumed) {
    *assumed = !url.empty() && url.find("://") == std::string::npos;
    return *assumed ? "http://" + url : url;
}

namespace {

// The parts of an absolute URL after the scheme, as RFC 3986 delimits them: the authority runs
// from "//" to the first "/", "?" or "#". Boost.URL 1.81 ends a host that starts like an IPv4
// address too early ("https://172.18.0.2.nip.io/" gives the host 172.18.0.2 and the path
// ".nip.io/", which routing then refuses with 400), so the lab splits the URL itself and uses
// Boost.URL only to check its syntax.
struct UrlParts {
    std::string_view host_and_port;  // without userinfo
    std::string_view host;
    std::optional<std::string_view> port;   // after ':', possibly empty ("h:/")
    std::string_view path;                  // "" or starting with '/'
    std::optional<std::string_view> query;  // after '?'
};

std::optional<UrlParts> splitUrl(std::string_view url, std::string* error) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        *error = "URL " + core::quoted(std::string(url)) +
                 " has no authority (expected http://host/path or https://host/path)";
        return std::nullopt;
    }
    std::string_view rest = url.substr(scheme_end + 3);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos)
        rest = rest.substr(0, hash);  // the fragment never leaves the client
    const auto authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    const std::string_view after =
        authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    UrlParts parts;
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
        authority = authority.substr(at + 1);
    parts.host_and_port = authority;
    std::size_t host_end = 0;
    if (!authority.empty() && authority.front() == '[') {
        host_end = authority.find(']');
        if (host_end == std::string_view::npos) {
            *error = "URL host " + core::quoted(std::string(authority)) +
                     " opens an IPv6 address with '[' but never closes it";
            return std::nullopt;
        }
        ++host_end;
    } else {
        host_end = std::min(authority.find(':'), authority.size());
    }
    parts.host = authority.substr(0, host_end);
    const std::string_view tail = authority.substr(host_end);
    if (!tail.empty() && tail.front() != ':') {
        *error = "URL host " + core::quoted(std::string(authority)) + " is not a host name";
        return std::nullopt;
    }
    if (!tail.empty()) parts.port = tail.substr(1);
    const auto question = after.find('?');
    parts.path = after.substr(0, question);
    if (question != std::string_view::npos) parts.query = after.substr(question + 1);
    return parts;
}

}  // namespace

std::optional<routing::Request> buildRequest(const std::string& url, const RequestFlags& flags,
                                             std::string* error) {
    // Boost.URL checks the syntax (characters, escapes); splitUrl() says what is what.
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        *error = "cannot parse URL " + core::quoted(url) + ": " + parsed.error().message() +
                 " (expected http://host/path or https://host/path)";
        return std::nullopt;
    }
    routing::Request r;
    r.scheme = core::toLower(std::string(parsed->scheme()));
    if (r.scheme != "http" && r.scheme != "https") {
        *error = "URL scheme must be http or https, not " + core::quoted(r.scheme);
        return std::nullopt;
    }
    const auto parts = splitUrl(url, error);
    if (!parts) return std::nullopt;
    if (parts->host.empty()) {
        *error = "URL " + core::quoted(url) + " has no host (expected http://host/path)";
        return std::nullopt;
    }
    r.host = std::string(parts->host_and_port);
    if (parts->port && !parts->port->empty()) {
        const std::string port(*parts->port);
        const auto number = parseContentLength(port);  // digits only, no sign, no overflow
        if (!number || *number < 1 || *number > 65535) {
            *error = "URL port " + core::quoted(port) + " is not a port number (1..65535)";
            return std::nullopt;
        }
        r.port = static_cast<int>(*number);
    }
    r.target = parts->path.empty() ? "/" : std::string(parts->path);
    if (parts->query) r.target += "?" + std::string(*parts->query);
    r.method =
        core::toLower(flags.method) == flags.method ? core::toLower(flags.method) : flags.method;
    for (char& c : r.method)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!core::IpAddress::parse(flags.client_ip)) {
        *error = "--client-ip " + core::quoted(flags.client_ip) + " is not an IP address";
        return std::nullopt;
    }
    r.client_ip = flags.client_ip;
    r.content_length = flags.content_length;
    for (const std::string& h : flags.headers) {
        const auto colon = h.find(':');
        if (colon == std::string::npos || colon == 0) {
            *error = "header " + core::quoted(h) + " is not of the form 'Name: value'";
            return std::nullopt;
        }
        const std::string name(core::trim(h.substr(0, colon)));
        const std::string value(core::trim(h.substr(colon + 1)));
        if (core::iequals(name, "host"))
            r.host = value;  // -H Host: overrides the URL's host
        else if (core::iequals(name, "content-length")) {
            r.content_length = parseContentLength(value);
            if (!r.content_length) {
                *error = "header " + core::quoted(h) +
                         ": Content-Length must be a number of bytes (digits only, 0 or more)";
                return std::nullopt;
            }
        } else
            r.headers.emplace_back(name, value);
    }
    if (!flags.cookies.empty()) {
        for (const std::string& c : flags.cookies) {
            if (c.find('=') == std::string::npos) {
                *error = "cookie " + core::quoted(c) + " is not of the form 'name=value'";
                return std::nullopt;
            }
        }
        r.headers.emplace_back("Cookie", core::join(flags.cookies, "; "));
    }
    return r;
}

}  // namespace ilab::cli
