#pragma once
// What the proxy changes in a request and a response, as ingress-nginx's nginx.conf does it.
// Pure functions over header lists, so they are unit-tested without sockets.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/routing/decision.h"

namespace ilab::proxy {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade and every
// header named in Connection: never forwarded in either direction (RFC 9110 7.6.1).
bool isHopByHop(std::string_view name, const HeaderList& headers);

struct ClientInfo {
    std::string ip;
    std::uint16_t port = 0;         // the client's source port
    std::string scheme = "http";    // of the listener
    std::uint16_t server_port = 0;  // the listener's port
};

// The headers the backend receives: the client's end-to-end headers, then Host (the decision's
// upstream host), X-Request-ID (kept or generated), X-Real-IP, X-Forwarded-For/-Host/-Port/
// -Proto/-Scheme, X-Scheme, X-Original-URI, and the decision's own additions.
HeaderList upstreamHeaders(const HeaderList& client, const routing::Decision& decision,
                           const ClientInfo& client_info, std::string_view original_target,
                           const std::string& request_id);

// 32 hex digits, as nginx's $request_id.
std::string newRequestId(std::uint64_t a, std::uint64_t b);

// The small HTML body nginx sends with its own responses ("<center>404 Not Found</center>").
std::string errorPage(int status);

}  // namespace ilab::proxy
