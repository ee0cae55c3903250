#pragma once
// An HTTP request as the decision core sees it: what a client sent, before any normalisation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ilab::routing {

struct Request {
    std::string method = "GET";
    std::string scheme = "http";  // http or https: which listener it arrived on
    std::string host;             // the Host header as sent (may carry a port)
    std::string target = "/";     // request-target: path and query, as sent
    int port = 0;                 // listener port; 0 means the scheme's default
    std::string client_ip = "127.0.0.1";
    std::optional<std::uint64_t> content_length;
    std::vector<std::pair<std::string, std::string>> headers;  // excluding Host

    // First value of a header, case-insensitively; nullptr when absent.
    const std::string* header(std::string_view name) const;
    // A cookie's value from the Cookie header(s); nullopt when absent.
    std::optional<std::string> cookie(std::string_view name) const;
    // nginx's $remote_user: the user name of a Basic Authorization header nginx can decode,
    // whether or not the location checks it (or the password is right); "" when none.
    std::string basicUser() const;
    int effectivePort() const { return port ? port : (scheme == "https" ? 443 : 80); }
};

}  // namespace ilab::routing
