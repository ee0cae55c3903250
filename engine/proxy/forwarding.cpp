#include "engine/proxy/forwarding.h"

#include <charconv>

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
    HeaderList out;
    out.reserve(client.size() + 12);
    forEachUpstreamHeader(client, decision, info, original_target, request_id,
                          [&](std::string_view name, std::string_view value) {
                              out.emplace_back(name, value);
                          });
    return out;
}

std::string upstreamRequestHead(std::string_view method, std::string_view target,
                                const HeaderList& client, const routing::Decision& decision,
                                const ClientInfo& info, std::string_view original_target,
                                const std::string& request_id,
                                std::optional<std::uint64_t> content_length) {
    std::string head;
    head.reserve(method.size() + target.size() + original_target.size() + 400 +
                 32 * client.size());
    head.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    forEachUpstreamHeader(client, decision, info, original_target, request_id,
                          [&](std::string_view name, std::string_view value) {
                              head.append(name).append(": ").append(value).append("\r\n");
                          });
    if (content_length) {
        char digits[24];
        const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *content_length);
        head.append("Content-Length: ").append(digits, end).append("\r\n");
    }
    head.append("\r\n");
    return head;
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
