#pragma once
// What the proxy changes in a request and a response, as ingress-nginx's nginx.conf does it.
// Pure functions over header lists, so they are unit-tested without sockets.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/text.h"
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

// The headers the backend receives: the client's end-to-end headers (less those the decision
// clears, such as Authorization on a basic-auth location), then Host (the decision's
// upstream host), X-Request-ID (kept or generated), X-Real-IP, X-Forwarded-For/-Host/-Port/
// -Proto/-Scheme, X-Scheme, X-Original-URI, and the decision's own additions. Calls
// sink(name, value) for each, in that order, without building a list (the proxy's hot path).
template <class Sink>
void forEachUpstreamHeader(const HeaderList& client, const routing::Decision& decision,
                           const ClientInfo& info, std::string_view original_target,
                           std::string_view request_id, Sink&& sink);

HeaderList upstreamHeaders(const HeaderList& client, const routing::Decision& decision,
                           const ClientInfo& client_info, std::string_view original_target,
                           const std::string& request_id);

// The request head sent upstream, serialised once: "METHOD target HTTP/1.1", the headers of
// forEachUpstreamHeader, Content-Length when given (a body, or a method that expects one), and
// no Connection header (HTTP/1.1 keep-alive, as ingress-nginx's `Connection ""` upstream).
std::string upstreamRequestHead(std::string_view method, std::string_view target,
                                const HeaderList& client, const routing::Decision& decision,
                                const ClientInfo& info, std::string_view original_target,
                                const std::string& request_id,
                                std::optional<std::uint64_t> content_length);

// 32 hex digits, as nginx's $request_id.
std::string newRequestId(std::uint64_t a, std::uint64_t b);

// The small HTML body nginx sends with its own responses ("<center>404 Not Found</center>").
std::string errorPage(int status);

// --- implementation of the template above ---------------------------------------------------

template <class Sink>
void forEachUpstreamHeader(const HeaderList& client, const routing::Decision& decision,
                           const ClientInfo& info, std::string_view original_target,
                           std::string_view request_id, Sink&& sink) {
    using core::iequals;
    // Headers the controller sets replace whatever the client sent under those names.
    static constexpr std::string_view kControllerSet[] = {
        "host",           "x-request-id",       "x-real-ip", "x-forwarded-for",
        "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-forwarded-scheme",
        "x-scheme",       "x-original-uri",     "content-length"};
    // Expect is answered by the proxy itself (100 Continue) and never sent upstream, as nginx's
    // proxy module does (ngx_http_proxy_headers: `Expect ""`); a pod's interim 100 would
    // otherwise be relayed as the answer.
    static constexpr std::string_view kHopByHop[] = {
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "expect"};
    // A header the client's Connection header names is hop-by-hop too.
    auto namedInConnection = [&](std::string_view name) {
        for (const auto& [key, value] : client) {
            if (!iequals(key, "connection")) continue;
            std::string_view rest = value;
            while (!rest.empty()) {
                const auto comma = rest.find(',');
                std::string_view token = rest.substr(0, comma);
                while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
                    token.remove_prefix(1);
                while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
                    token.remove_suffix(1);
                if (iequals(token, name)) return true;
                rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
        }
        return false;
    };
    for (const auto& [name, value] : client) {
        bool drop = false;
        for (std::string_view fixed : kHopByHop)
            drop = drop || iequals(name, fixed);
        for (std::string_view set : kControllerSet)
            drop = drop || iequals(name, set);
        for (const auto& [extra, unused] : decision.upstream_headers)
            drop = drop || iequals(name, extra);
        drop = drop || (decision.clears_authorization && iequals(name, "authorization"));
        if (!drop && !namedInConnection(name)) sink(name, value);
    }
    char port[8];
    const auto [port_end, ec] = std::to_chars(port, port + sizeof port, info.server_port);
    const std::string_view port_text(port, static_cast<std::size_t>(port_end - port));
    sink("Host", decision.upstream.host);
    sink("X-Request-ID", request_id);
    // $remote_addr after the realip module; compute-full-forwarded-for's list when set.
    const std::string_view client_ip = decision.client_ip.empty() ? std::string_view(info.ip)
                                                                  : std::string_view(decision.client_ip);
    sink("X-Real-IP", client_ip);
    sink("X-Forwarded-For", decision.forwarded_for.empty() ? client_ip
                                                           : std::string_view(decision.forwarded_for));
    sink("X-Forwarded-Host", decision.upstream.host);
    sink("X-Forwarded-Port", port_text);
    sink("X-Forwarded-Proto", info.scheme);
    sink("X-Forwarded-Scheme", info.scheme);
    sink("X-Scheme", info.scheme);
    sink("X-Original-URI", original_target);
    for (const auto& [name, value] : decision.upstream_headers)
        sink(name, value);
}

}  // namespace ilab::proxy
