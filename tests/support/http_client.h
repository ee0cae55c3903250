#pragma once
// A small blocking HTTP/1.1 client for integration tests: real loopback sockets, a deadline on
// every exchange, and raw mode for sending malformed requests on purpose; plain or over TLS.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ilab::testing {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lowercase names; the last value wins
    std::map<std::string, int> header_counts;    // how often each (lowercase) name came
    std::string body;
    bool connection_closed = false;  // the server closed after answering (or instead of it)

    std::string header(const std::string& lowercase_name) const {
        auto it = headers.find(lowercase_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// One client connection; requests on it reuse it (keep-alive) until the server closes it.
class HttpConnection {
  public:
    HttpConnection(std::string address, std::uint16_t port);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    // Sends a request; headers are written as given ("Host" included when wanted).
    // nullopt: no complete response before the deadline or the connection failed.
    std::optional<HttpResponse> request(
        const std::string& method, const std::string& target,
        const std::vector<std::pair<std::string, std::string>>& headers,
        const std::string& body = {}, std::chrono::milliseconds deadline = std::chrono::seconds(5));
    // Writes raw bytes, then reads one response (or the close).
    std::optional<HttpResponse> raw(const std::string& bytes,
                                    std::chrono::milliseconds deadline = std::chrono::seconds(5));
    // True when the server closed the connection within the deadline (reading gives EOF).
    bool closedWithin(std::chrono::milliseconds deadline);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// How an HttpsConnection handshakes.
struct TlsClientOptions {
    std::string server_name;  // sent as SNI and checked against the certificate; "" sends none
    std::string ca_file;      // PEM file the server's chain must verify against; "" skips checks
    int min_version = 0;      // TLS1_2_VERSION etc.; 0 leaves OpenSSL's default
    int max_version = 0;
    // A cipher list for a deliberately old client; "DEFAULT@SECLEVEL=0" lets OpenSSL 3 offer
    // TLS 1.1 at all, so the server is the one refusing it.
    std::string ciphers;
};

// One TLS client connection (Beast ssl_stream over OpenSSL); requests on it reuse it.
class HttpsConnection {
  public:
    HttpsConnection(std::string address, std::uint16_t port, TlsClientOptions options);
    ~HttpsConnection();
    HttpsConnection(const HttpsConnection&) = delete;
    HttpsConnection& operator=(const HttpsConnection&) = delete;

    // Connects and completes the handshake (request() does it when needed). False with error()
    // saying why: a verification failure, the server's alert, a timeout.
    bool handshake(std::chrono::milliseconds deadline = std::chrono::seconds(5));
    const std::string& error() const;
    // subjectAltName entries of the server's certificate ("DNS:shop.local", "IP:127.0.0.1").
    std::vector<std::string> peerNames() const;
    // The peer certificate's issuer common name ("Ingress Lab CA").
    std::string peerIssuer() const;
    std::string protocol() const;  // "TLSv1.3"
    // True when the server ends the TLS session with close_notify (a graceful shutdown, not just
    // a TCP close) within the deadline.
    bool closeNotifyWithin(std::chrono::milliseconds deadline);

    std::optional<HttpResponse> request(
        const std::string& method, const std::string& target,
        const std::vector<std::pair<std::string, std::string>>& headers,
        const std::string& body = {}, std::chrono::milliseconds deadline = std::chrono::seconds(5));
    std::optional<HttpResponse> raw(const std::string& bytes,
                                    std::chrono::milliseconds deadline = std::chrono::seconds(5));

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// GET http://127.0.0.1:port<target> with Host: host, on a fresh connection.
std::optional<HttpResponse> httpGet(std::uint16_t port, const std::string& host,
                                    const std::string& target,
                                    std::vector<std::pair<std::string, std::string>> headers = {});

}  // namespace ilab::testing
