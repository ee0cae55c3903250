#pragma once
// A small blocking HTTP/1.1 client for integration tests: real loopback sockets, a deadline on
// every exchange, and raw mode for sending malformed requests on purpose.
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

// GET http://127.0.0.1:port<target> with Host: host, on a fresh connection.
std::optional<HttpResponse> httpGet(std::uint16_t port, const std::string& host,
                                    const std::string& target,
                                    std::vector<std::pair<std::string, std::string>> headers = {});

}  // namespace ilab::testing
