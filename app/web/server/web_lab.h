#pragma once
// The web lab: the lab in a browser, served by the engine's process on the admin listener
// (`ingress-lab serve`). One HTTP/1.1 + WebSocket server (Beast, on its own thread) answers
// the page (embedded assets), the JSON API and the event stream of docs/web-api.md, plus
// /metrics and /healthz; a workbench::Workbench behind it runs the lab. No Asio in this header.
//
// Security: bound to a non-loopback address, every /api call and the WebSocket need the token
// (printed in url()); WebSocket upgrades check Origin; files outside the lab's folder are
// never read or written; bodies, YAML sizes, API call rates and WebSocket clients are limited;
// errors say what was wrong, never a path or a stack.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/workbench/workbench.h"

namespace ilab::lab {
class Lab;
}

namespace ilab::web {

struct WebLabOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 9090;
    workbench::WorkbenchOptions bench;
    // Required on a non-loopback address (start() makes one when empty); "" on loopback.
    std::string token;
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_yaml_bytes = 512 * 1024;
    double api_calls_per_second = 20;
    double api_burst = 40;
    // The API rate limit's clock (steady_clock::now when empty); tests give a manual one.
    // Called on the server's thread.
    std::function<std::chrono::steady_clock::time_point()> clock;
    std::size_t max_clients = 8;
};

class WebLab {
  public:
    // Opens the scenario (or the manifest files) and binds the listener. Null when either
    // fails; `diagnostics` say why.
    static std::unique_ptr<WebLab> start(WebLabOptions options, const std::string& scenario,
                                         const std::vector<std::string>& files,
                                         core::Diagnostics& diagnostics);
    ~WebLab();
    WebLab(const WebLab&) = delete;
    WebLab& operator=(const WebLab&) = delete;

    std::uint16_t port() const;
    // "http://127.0.0.1:9090/", with "?token=..." when one is needed.
    std::string url() const;
    // The running lab, for serve's own output, access log and reloads (Lab is thread-safe).
    lab::Lab* lab() const;
    void stop();

  private:
    struct Impl;
    explicit WebLab(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// A random token for a non-loopback bind: 32 hex digits from the OS's random source.
std::string makeToken();
bool isLoopbackAddress(const std::string& address);

}  // namespace ilab::web
