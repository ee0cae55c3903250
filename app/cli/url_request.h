#pragma once
// Builds a routing::Request from explain's URL and flags.
#include <optional>
#include <string>
#include <vector>

#include "engine/routing/request.h"

namespace ilab::cli {

struct RequestFlags {
    std::string method = "GET";
    std::vector<std::string> headers;  // "Name: value"
    std::vector<std::string> cookies;  // "name=value"
    std::string client_ip = "127.0.0.1";
    std::optional<std::uint64_t> content_length;
};

// Parses an absolute http(s) URL with Boost.URL. On bad input returns nullopt and sets *error.
std::optional<routing::Request> buildRequest(const std::string& url, const RequestFlags& flags,
                                             std::string* error);

}  // namespace ilab::cli
