#pragma once
// Builds a routing::Request from explain's URL and flags.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

// A Content-Length as nginx takes it: decimal digits only, at most 2^63 - 1 (off_t). nullopt
// for anything else ("-1", "1e3", " 5", "18446744073709551616").
std::optional<std::uint64_t> parseContentLength(std::string_view text);

// A --seed: decimal digits only, 0..2^64 - 1. nullopt for anything else ("-1", which CLI11
// would wrap to 2^64 - 1, " 5", "18446744073709551616", which it would saturate).
std::optional<std::uint64_t> parseSeed(std::string_view text);

// A URL written without a scheme ("shop.local/catalog") taken as curl takes it, with
// http:// in front; *assumed says whether it was added (explain then says so on stderr).
std::string withDefaultScheme(const std::string& url, bool* assumed);

// Parses an absolute http(s) URL: Boost.URL checks its syntax, the lab splits host, port, path
// and query itself (so "https://172.18.0.2.nip.io/" keeps its whole host). Never throws. On bad
// input returns nullopt and sets *error: a URL Boost.URL refuses, another scheme, no host, a
// port outside 1..65535, a header or cookie of the wrong form, a Content-Length header that
// parseContentLength() refuses, a --client-ip that is not an address.
std::optional<routing::Request> buildRequest(const std::string& url, const RequestFlags& flags,
                                             std::string* error);

}  // namespace ilab::cli
