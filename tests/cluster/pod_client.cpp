#include "tests/cluster/pod_client.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace ilab::cluster::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct PodClient::Impl {
    Impl(std::string ip_, std::uint16_t port_) : ip(std::move(ip_)), port(port_), stream(io) {}
    std::string ip;
    std::uint16_t port;
    asio::io_context io;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    bool connected = false;

    // Runs the io_context until the started operation completes; tcp_stream's own expiry
    // bounds it.
    void run() {
        io.restart();
        io.run();
    }
};

PodClient::PodClient(std::string ip, std::uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(ip), port)) {}

PodClient::~PodClient() = default;

bool PodClient::connect(std::chrono::milliseconds deadline) {
    if (impl_->connected) return true;
    beast::error_code result;
    const tcp::endpoint endpoint(asio::ip::make_address(impl_->ip), impl_->port);
    impl_->stream.expires_after(deadline);
    impl_->stream.async_connect(endpoint, [&](beast::error_code ec) { result = ec; });
    impl_->run();
    if (result) {
        error_ = "connect: " + result.message();
        impl_->stream.close();
        return false;
    }
    impl_->connected = true;
    return true;
}

std::optional<PodResponse> PodClient::request(const std::string& method, const std::string& target,
                                              const Headers& headers, const std::string& body,
                                              unsigned version,
                                              std::chrono::milliseconds deadline) {
    const auto started = Clock::now();
    if (!connect(deadline)) return std::nullopt;
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(version);
    for (const auto& [name, value] : headers)
        req.insert(name, value);
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.body() = body;
        req.prepare_payload();
    }
    beast::error_code result;
    impl_->stream.expires_after(deadline);
    http::async_write(impl_->stream, req, [&](beast::error_code ec, std::size_t) { result = ec; });
    impl_->run();
    if (result) {
        error_ = "write: " + result.message();
        impl_->connected = false;
        return std::nullopt;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == "HEAD") parser.skip(true);
    impl_->stream.expires_after(deadline);
    http::async_read(impl_->stream, impl_->buffer, parser,
                     [&](beast::error_code ec, std::size_t) { result = ec; });
    impl_->run();
    if (result) {
        error_ = "read: " + result.message();
        impl_->stream.close();
        impl_->connected = false;
        return std::nullopt;
    }
    auto& res = parser.get();
    PodResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        out.headers[name] = std::string(field.value());
    }
    out.body = std::move(res.body());
    out.keep_alive = res.keep_alive();
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    if (!out.keep_alive) {
        impl_->stream.close();
        impl_->connected = false;
    }
    return out;
}

bool PodClient::send(const std::string& bytes) {
    if (!connect()) return false;
    beast::error_code result;
    impl_->stream.expires_after(std::chrono::seconds(2));
    asio::async_write(impl_->stream, asio::buffer(bytes),
                      [&](beast::error_code ec, std::size_t) { result = ec; });
    impl_->run();
    if (result) error_ = "send: " + result.message();
    return !result;
}

RawRead PodClient::readUntilClosed(std::chrono::milliseconds deadline) {
    RawRead out;
    std::string pending(impl_->buffer.size(), '\0');
    asio::buffer_copy(asio::buffer(pending), impl_->buffer.data());
    out.bytes = std::move(pending);
    impl_->buffer.consume(impl_->buffer.size());
    std::array<char, 16384> chunk;
    impl_->stream.expires_after(deadline);
    for (;;) {
        beast::error_code result;
        std::size_t n = 0;
        impl_->stream.async_read_some(asio::buffer(chunk),
                                      [&](beast::error_code ec, std::size_t bytes) {
                                          result = ec;
                                          n = bytes;
                                      });
        impl_->run();
        out.bytes.append(chunk.data(), n);
        if (!result) continue;
        if (result == asio::error::eof) {
            out.end = ReadEnd::Eof;
        } else if (result == asio::error::connection_reset) {
            out.end = ReadEnd::Reset;
        } else if (result == beast::error::timeout) {
            out.end = ReadEnd::Timeout;
        } else {
            out.end = ReadEnd::Error;
            error_ = result.message();
        }
        impl_->connected = false;
        return out;
    }
}

std::optional<PodResponse> podGet(const std::string& ip, std::uint16_t port,
                                  const std::string& target, const Headers& headers) {
    PodClient client(ip, port);
    return client.request("GET", target, headers);
}

}  // namespace ilab::cluster::testing
