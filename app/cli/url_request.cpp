#include "app/cli/url_request.h"

#include <boost/url/parse.hpp>

#include "engine/core/cidr.h"
#include "engine/core/text.h"

namespace ilab::cli {

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
    if (u.has_port()) r.port = static_cast<int>(u.port_number());
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
        else if (core::iequals(name, "content-length"))
            r.content_length = std::stoull(value);
        else
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
