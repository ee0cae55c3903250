#include "tests/support/http_client.h"

#include <algorithm>
#include <cctype>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace ilab::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// After a deadline: cancel the pending operation and run until its handler has run, so it
// never fires later into the stack frame that is gone by then.
template <class Lowest>
void settle(asio::io_context& io, Lowest& lowest, const bool& done) {
    if (done) return;
    lowest.cancel();
    io.restart();
    while (!done && io.run_one() > 0) {
    }
}

// The steps both connection kinds share, over any Beast stream whose lowest layer is a
// tcp_stream. Each runs the io_context until the step completes or the deadline passes.
template <class Stream>
std::optional<HttpResponse> readResponse(asio::io_context& io, Stream& stream,
                                         beast::flat_buffer& buffer, bool& connected,
                                         std::chrono::milliseconds deadline, bool head) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);  // a response to HEAD has no body whatever its Content-Length says
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
        settle(io, beast::get_lowest_layer(stream), done);
        return std::nullopt;
    }
    if (ec && !(ec == http::error::end_of_stream && parser.is_header_done())) {
        if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
            ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
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
        ++out.header_counts[name];
    }
    out.body = std::move(res.body());
    out.connection_closed = !res.keep_alive();
    if (out.connection_closed) connected = false;
    return out;
}

template <class Stream>
bool writeAll(asio::io_context& io, Stream& stream, const std::string& bytes,
              std::chrono::milliseconds deadline) {
    boost::system::error_code ec;
    bool done = false;
    asio::async_write(stream, asio::buffer(bytes), [&](boost::system::error_code e, std::size_t) {
        ec = e;
        done = true;
    });
    io.restart();
    io.run_for(deadline);
    settle(io, beast::get_lowest_layer(stream), done);
    return !ec;
}

bool connectTcp(asio::io_context& io, beast::tcp_stream& stream, const std::string& address,
                std::uint16_t port, std::chrono::milliseconds deadline,
                boost::system::error_code& ec) {
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address), port);
    bool done = false;
    stream.async_connect(endpoint, [&](boost::system::error_code e) {
        ec = e;
        done = true;
    });
    io.restart();
    io.run_for(deadline);
    const bool in_time = done;
    settle(io, stream, done);
    if (!in_time) ec = asio::error::timed_out;
    return in_time && !ec;
}

std::string requestBytes(const std::string& method, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body) {
    std::string bytes = method + " " + target + " HTTP/1.1\r\n";
    bool has_length = false;
    for (const auto& [name, value] : headers) {
        bytes += name + ": " + value + "\r\n";
        has_length = has_length || name == "Content-Length" || name == "Transfer-Encoding";
    }
    if (!body.empty() && !has_length)
        bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    bytes += "\r\n" + body;
    return bytes;
}

}  // namespace

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
        connected = connectTcp(io, stream, address, port, deadline, ec);
        return connected;
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
    return raw(requestBytes(method, target, headers, body), deadline);
}

std::optional<HttpResponse> HttpConnection::raw(const std::string& bytes,
                                                std::chrono::milliseconds deadline) {
    if (!impl_->connect(deadline)) return std::nullopt;
    if (!writeAll(impl_->io, impl_->stream, bytes, deadline)) {
        HttpResponse closed;
        closed.connection_closed = true;
        return closed;
    }
    return readResponse(impl_->io, impl_->stream, impl_->buffer, impl_->connected, deadline,
                        bytes.starts_with("HEAD "));
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
        settle(impl_->io, impl_->stream, done);
        return false;
    }
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

struct HttpsConnection::Impl {
    asio::io_context io;
    asio::ssl::context context{asio::ssl::context::tls_client};
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
    beast::flat_buffer buffer;
    bool connected = false;
    std::string address;
    std::uint16_t port = 0;
    TlsClientOptions options;
    std::string error;
    bool configured = false, usable = false;

    bool configure() {
        SSL_CTX* ctx = context.native_handle();
        if (!options.ca_file.empty()) {
            boost::system::error_code ec;
            context.load_verify_file(options.ca_file, ec);
            if (ec) {
                error = "cannot load " + options.ca_file + ": " + ec.message();
                return false;
            }
            context.set_verify_mode(asio::ssl::verify_peer);
        }
        if (options.min_version && SSL_CTX_set_min_proto_version(ctx, options.min_version) != 1)
            return fail("min_version");
        if (options.max_version && SSL_CTX_set_max_proto_version(ctx, options.max_version) != 1)
            return fail("max_version");
        if (!options.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, options.ciphers.c_str()) != 1)
            return fail("ciphers");
        // What curl offers.
        static const unsigned char alpn[] = "\x02h2\x08http/1.1";
        SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
        return true;
    }

    bool fail(const std::string& what) {
        error = "cannot set " + what;
        return false;
    }

    bool handshake(std::chrono::milliseconds deadline) {
        if (connected) return true;
        buffer.clear();
        stream.emplace(io, context);
        SSL* ssl = stream->native_handle();
        if (!options.server_name.empty()) {
            // SSL_set_tlsext_host_name without its macro's C-style cast.
            SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(options.server_name.c_str()));
            if (!options.ca_file.empty()) SSL_set1_host(ssl, options.server_name.c_str());
        }
        boost::system::error_code ec;
        if (!connectTcp(io, beast::get_lowest_layer(*stream), address, port, deadline, ec)) {
            error = "connect: " + ec.message();
            return false;
        }
        bool done = false;
        stream->async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code e) {
            ec = e;
            done = true;
        });
        io.restart();
        io.run_for(deadline);
        if (!done) {
            settle(io, beast::get_lowest_layer(*stream), done);
            error = "handshake timed out";
            return false;
        }
        if (ec) {
            error = ec.message();
            return false;
        }
        connected = true;
        return true;
    }
};

HttpsConnection::HttpsConnection(std::string address, std::uint16_t port, TlsClientOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->address = std::move(address);
    impl_->port = port;
    impl_->options = std::move(options);
}

HttpsConnection::~HttpsConnection() = default;

bool HttpsConnection::handshake(std::chrono::milliseconds deadline) {
    if (!impl_->configured) {
        impl_->configured = true;
        impl_->usable = impl_->configure();
    }
    return impl_->usable && impl_->handshake(deadline);
}

const std::string& HttpsConnection::error() const {
    return impl_->error;
}

std::vector<std::string> HttpsConnection::peerNames() const {
    std::vector<std::string> names;
    if (!impl_->stream) return names;
    X509* peer = SSL_get0_peer_certificate(impl_->stream->native_handle());
    if (!peer) return names;
    auto* general_names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(peer, NID_subject_alt_name, nullptr, nullptr));
    if (!general_names) return names;
    for (int i = 0; i < sk_GENERAL_NAME_num(general_names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names, i);
        if (name->type == GEN_DNS) {
            const auto* data = ASN1_STRING_get0_data(name->d.dNSName);
            names.push_back("DNS:" + std::string(reinterpret_cast<const char*>(data),
                                                 static_cast<std::size_t>(
                                                     ASN1_STRING_length(name->d.dNSName))));
        } else if (name->type == GEN_IPADD) {
            const auto* data = ASN1_STRING_get0_data(name->d.iPAddress);
            const int length = ASN1_STRING_length(name->d.iPAddress);
            if (length == 4) {
                asio::ip::address_v4::bytes_type bytes;
                std::copy(data, data + 4, bytes.begin());
                names.push_back("IP:" + asio::ip::address_v4(bytes).to_string());
            } else if (length == 16) {
                asio::ip::address_v6::bytes_type bytes;
                std::copy(data, data + 16, bytes.begin());
                names.push_back("IP:" + asio::ip::address_v6(bytes).to_string());
            }
        }
    }
    GENERAL_NAMES_free(general_names);
    return names;
}

std::string HttpsConnection::peerIssuer() const {
    if (!impl_->stream) return {};
    X509* peer = SSL_get0_peer_certificate(impl_->stream->native_handle());
    if (!peer) return {};
    char buffer[256] = {};
    X509_NAME_get_text_by_NID(X509_get_issuer_name(peer), NID_commonName, buffer, sizeof buffer);
    return buffer;
}

std::string HttpsConnection::protocol() const {
    return impl_->stream ? SSL_get_version(impl_->stream->native_handle()) : "";
}

bool HttpsConnection::closeNotifyWithin(std::chrono::milliseconds deadline) {
    if (!impl_->stream) return false;
    char byte;
    boost::system::error_code ec;
    bool done = false;
    impl_->stream->async_read_some(asio::buffer(&byte, 1),
                                   [&](boost::system::error_code e, std::size_t) {
                                       ec = e;
                                       done = true;
                                   });
    impl_->io.restart();
    impl_->io.run_for(deadline);
    if (!done) {
        settle(impl_->io, beast::get_lowest_layer(*impl_->stream), done);
        return false;
    }
    // Asio reports close_notify (SSL_ERROR_ZERO_RETURN) as eof, a bare TCP close as
    // stream_truncated.
    return ec == asio::error::eof;
}

std::optional<HttpResponse> HttpsConnection::request(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    std::chrono::milliseconds deadline) {
    return raw(requestBytes(method, target, headers, body), deadline);
}

std::optional<HttpResponse> HttpsConnection::raw(const std::string& bytes,
                                                 std::chrono::milliseconds deadline) {
    if (!impl_->connected && !handshake(deadline)) return std::nullopt;
    if (!writeAll(impl_->io, *impl_->stream, bytes, deadline)) {
        impl_->connected = false;
        HttpResponse closed;
        closed.connection_closed = true;
        return closed;
    }
    return readResponse(impl_->io, *impl_->stream, impl_->buffer, impl_->connected, deadline,
                        bytes.starts_with("HEAD "));
}

std::optional<HttpResponse> httpGet(std::uint16_t port, const std::string& host,
                                    const std::string& target,
                                    std::vector<std::pair<std::string, std::string>> headers) {
    HttpConnection connection("127.0.0.1", port);
    headers.insert(headers.begin(), {"Host", host});
    return connection.request("GET", target, headers);
}

}  // namespace ilab::testing
