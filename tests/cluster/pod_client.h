#pragma once
// A tiny synchronous HTTP/1.1 client for the cluster tests: one connection to a pod, a
// deadline on every exchange, and a raw mode that tells an RST from a FIN from silence, which
// the fault tests need. Beast stays in pod_client.cpp.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ilab::cluster::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct PodResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;
    bool keep_alive = false;  // the response lets the connection stay open
    std::chrono::milliseconds elapsed{0};

    std::string header(const std::string& lowercase_name) const {
        auto it = headers.find(lowercase_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// How a raw read ended.
enum class ReadEnd { Data, Eof, Reset, Timeout, Error };

struct RawRead {
    ReadEnd end = ReadEnd::Error;
    std::string bytes;  // everything read before the end
};

class PodClient {
  public:
    PodClient(std::string ip, std::uint16_t port);
    ~PodClient();
    PodClient(const PodClient&) = delete;
    PodClient& operator=(const PodClient&) = delete;

    // Connects if needed. false when the connection is refused or times out.
    bool connect(std::chrono::milliseconds deadline = std::chrono::seconds(2));
    // One request on this connection (connecting first if needed); version 10 or 11.
    // nullopt when no complete response arrives before the deadline; `error` says why.
    std::optional<PodResponse> request(
        const std::string& method, const std::string& target, const Headers& headers = {},
        const std::string& body = {}, unsigned version = 11,
        std::chrono::milliseconds deadline = std::chrono::seconds(3));
    // Writes bytes as they are.
    bool send(const std::string& bytes);
    // Reads until the peer closes or resets, or the deadline passes.
    RawRead readUntilClosed(std::chrono::milliseconds deadline);
    const std::string& error() const { return error_; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string error_;
};

// GET on a fresh connection.
std::optional<PodResponse> podGet(const std::string& ip, std::uint16_t port,
                                  const std::string& target, const Headers& headers = {});

}  // namespace ilab::cluster::testing
