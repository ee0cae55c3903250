#include "app/cli/url_request.h"

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

std::string withDefaultScheme(const std::string& url, bool* assumed) {
    *assumed = !url.empty() && url.find("://") == std::string::npos;
    return *assumed ? "http://" + url : url;
}

std::optional<routing::Request> buildRequest(const std::string& url, const RequestFlags& flags,
                                             std::string* error) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        *error = "cannot parse URL " + core::quoted(url) + ": " + parsed.error().message() +
                 " (expected http://host/path or https://host/path)";
        return std::nullopt;
    }
    const auto& u = *parsed;
    routing::Request r;
    r.scheme = core::toLower(std::string(u.scheme()));
    if (r.scheme != "http" && r.scheme != "https") {
        *error = "URL scheme must be http or https, not " + core::quoted(r.scheme);
        return std::nullopt;
    }
    r.host = std::string(u.encoded_host_and_port());
    const std::string_view path = u.encoded_path();
    if (u.has_port() && !path.empty() && path.front() != '/') {
        // Boost.URL reads "http://h:-1/" as an empty port and the path "-1/" ("h:8x/": "8", "x/").
        const std::string port =
            std::string(u.port()) + std::string(path.substr(0, path.find('/')));
        *error = "URL port " + core::quoted(port) + " is not a port number (1..65535)";
        return std::nullopt;
    }
    if (u.has_port() && !u.port().empty()) {
        // Boost.URL takes any digits as a port and gives 0 for one out of range.
        const std::string port(u.port());
        const auto number = parseContentLength(port);
        if (!number || *number < 1 || *number > 65535) {
            *error = "URL port " + core::quoted(port) + " is not a port number (1..65535)";
            return std::nullopt;
        }
        r.port = static_cast<int>(*number);
    }
    r.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
    if (u.has_query()) r.target += "?" + std::string(u.encoded_query());
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
