#include "engine/proxy/forwarding.h"

#include "engine/core/text.h"

namespace ilab::proxy {
namespace {

const char* reasonPhrase(int status) {
    switch (status) {
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Authorization Required";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 408:
            return "Request Time-out";
        case 413:
            return "Request Entity Too Large";
        case 414:
            return "Request-URI Too Large";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Temporarily Unavailable";
        case 504:
            return "Gateway Time-out";
        default:
            return "";
    }
}

}  // namespace

bool isHopByHop(std::string_view name, const HeaderList& headers) {
    for (std::string_view fixed : {"connection", "keep-alive", "proxy-connection", "te", "trailer",
                                   "transfer-encoding", "upgrade"})
        if (core::iequals(name, fixed)) return true;
    for (const auto& [key, value] : headers) {
        if (!core::iequals(key, "connection")) continue;
        for (const std::string& token : core::split(value, ','))
            if (core::iequals(core::trim(token), name)) return true;
    }
    return false;
}

HeaderList upstreamHeaders(const HeaderList& client, const routing::Decision& decision,
                           const ClientInfo& info, std::string_view original_target,
                           const std::string& request_id) {
    // Headers the controller sets replace whatever the client sent under those names.
    static constexpr std::string_view kControllerSet[] = {"host",
                                                          "x-request-id",
                                                          "x-real-ip",
                                                          "x-forwarded-for",
                                                          "x-forwarded-host",
                                                          "x-forwarded-port",
                                                          "x-forwarded-proto",
                                                          "x-forwarded-scheme",
                                                          "x-scheme",
                                                          "x-original-uri",
                                                          "content-length"};
    HeaderList out;
    out.reserve(client.size() + 12);
    for (const auto& [name, value] : client) {
        if (isHopByHop(name, client)) continue;
        bool replaced = false;
        for (std::string_view set : kControllerSet)
            replaced = replaced || core::iequals(name, set);
        for (const auto& [extra, unused] : decision.upstream_headers)
            replaced = replaced || core::iequals(name, extra);
        if (!replaced) out.emplace_back(name, value);
    }
    const std::string port = std::to_string(info.server_port);
    std::string forwarded_host = decision.upstream.host;
    out.emplace_back("Host", decision.upstream.host);
    out.emplace_back("X-Request-ID", request_id);
    out.emplace_back("X-Real-IP", info.ip);
    out.emplace_back("X-Forwarded-For", info.ip);
    out.emplace_back("X-Forwarded-Host", forwarded_host);
    out.emplace_back("X-Forwarded-Port", port);
    out.emplace_back("X-Forwarded-Proto", info.scheme);
    out.emplace_back("X-Forwarded-Scheme", info.scheme);
    out.emplace_back("X-Scheme", info.scheme);
    out.emplace_back("X-Original-URI", std::string(original_target));
    for (const auto& header : decision.upstream_headers)
        out.push_back(header);
    return out;
}

std::string newRequestId(std::uint64_t a, std::uint64_t b) {
    static const char* hex = "0123456789abcdef";
    std::string id(32, '0');
    for (int i = 0; i < 16; ++i) {
        id[static_cast<std::size_t>(i)] = hex[(a >> (60 - 4 * i)) & 0xf];
        id[static_cast<std::size_t>(16 + i)] = hex[(b >> (60 - 4 * i)) & 0xf];
    }
    return id;
}

std::string errorPage(int status) {
    const std::string title = std::to_string(status) + " " + reasonPhrase(status);
    return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
           "</h1></center>\r\n<hr><center>ingress-lab</center>\r\n</body>\r\n</html>\r\n";
}

}  // namespace ilab::proxy
