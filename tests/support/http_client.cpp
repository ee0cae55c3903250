#include "tests/support/http_client.h"

#include <algorithm>
#include <cctype>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ilab::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpConnection::Impl {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    bool connected = false;
    std::string address;
    std::uint16_t port = 0;

    bool connect(std::chrono::milliseconds deadline) {
        if (connected) return true;
        boost::system::error_code ec;
        const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address), port);
        bool done = false;
        stream.async_connect(endpoint, [&](boost::system::error_code e) {
            ec = e;
            done = true;
        });
        io.restart();
        io.run_for(deadline);
        connected = done && !ec;
        return connected;
    }

    std::optional<HttpResponse> readResponse(std::chrono::milliseconds deadline) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        parser.eager(true);
        boost::system::error_code ec;
        bool done = false;
        http::async_read(stream, buffer, parser, [&](boost::system::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
        io.restart();
        io.run_for(deadline);
        if (!done) {
            stream.cancel();
            io.restart();
            io.run_for(std::chrono::milliseconds(100));
            return std::nullopt;
        }
        if (ec && !(ec == http::error::end_of_stream && parser.is_header_done())) {
            if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                ec == asio::error::eof) {
                HttpResponse closed;
                closed.connection_closed = true;
                connected = false;
                return closed;
            }
            return std::nullopt;
        }
        HttpResponse out;
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            std::string name(field.name_string());
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            out.headers[name] = std::string(field.value());
        }
        out.body = std::move(res.body());
        out.connection_closed = !res.keep_alive();
        if (out.connection_closed) connected = false;
        return out;
    }

    bool writeAll(const std::string& bytes, std::chrono::milliseconds deadline) {
        boost::system::error_code ec;
        bool done = false;
        asio::async_write(stream, asio::buffer(bytes),
                          [&](boost::system::error_code e, std::size_t) {
                              ec = e;
                              done = true;
                          });
        io.restart();
        io.run_for(deadline);
        return done && !ec;
    }
};

HttpConnection::HttpConnection(std::string address, std::uint16_t port)
    : impl_(std::make_unique<Impl>()) {
    impl_->address = std::move(address);
    impl_->port = port;
}

HttpConnection::~HttpConnection() = default;

std::optional<HttpResponse> HttpConnection::request(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    std::chrono::milliseconds deadline) {
    std::string bytes = method + " " + target + " HTTP/1.1\r\n";
    bool has_length = false;
    for (const auto& [name, value] : headers) {
        bytes += name + ": " + value + "\r\n";
        has_length = has_length || name == "Content-Length" || name == "Transfer-Encoding";
    }
    if (!body.empty() && !has_length)
        bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    bytes += "\r\n" + body;
    return raw(bytes, deadline);
}

std::optional<HttpResponse> HttpConnection::raw(const std::string& bytes,
                                                std::chrono::milliseconds deadline) {
    if (!impl_->connect(deadline)) return std::nullopt;
    if (!impl_->writeAll(bytes, deadline)) {
        HttpResponse closed;
        closed.connection_closed = true;
        return closed;
    }
    return impl_->readResponse(deadline);
}

bool HttpConnection::closedWithin(std::chrono::milliseconds deadline) {
    if (!impl_->connect(deadline)) return true;
    char byte;
    boost::system::error_code ec;
    bool done = false;
    impl_->stream.async_read_some(asio::buffer(&byte, 1),
                                  [&](boost::system::error_code e, std::size_t) {
                                      ec = e;
                                      done = true;
                                  });
    impl_->io.restart();
    impl_->io.run_for(deadline);
    if (!done) {
        impl_->stream.cancel();
        impl_->io.restart();
        impl_->io.run_for(std::chrono::milliseconds(100));
        return false;
    }
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

std::optional<HttpResponse> httpGet(std::uint16_t port, const std::string& host,
                                    const std::string& target,
                                    std::vector<std::pair<std::string, std::string>> headers) {
    HttpConnection connection("127.0.0.1", port);
    headers.insert(headers.begin(), {"Host", host});
    return connection.request("GET", target, headers);
}

}  // namespace ilab::testing
