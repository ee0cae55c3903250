#pragma once
// Waits for the live proxy's event of one request, known by its X-Request-ID before it is
// sent: the composer replays that event's canary draw, so the decision core explains the
// request the proxy served rather than a fresh draw. Engine internal (workbench.cpp).
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/telemetry/telemetry.h"

namespace ilab::workbench {

class ProxyEventWatch {
  public:
    // Subscribes to `telemetry` for the event of `request_id`. The subscription ends itself at
    // the first delivery after the event is found or the watch is finished (unsubscribing from
    // within a delivery is allowed); a Telemetry that goes first takes it along.
    static std::shared_ptr<ProxyEventWatch> start(telemetry::Telemetry& telemetry,
                                                  std::string request_id);

    // The event, when the proxy records it within `timeout`. Finishes the watch.
    std::optional<telemetry::RequestEvent> wait(std::chrono::milliseconds timeout);
    // Nothing to wait for (the request got no answer): the subscription ends at the next
    // delivery.
    void finish();

  private:
    void offer(telemetry::Telemetry& telemetry, const telemetry::Delivery& delivery);

    std::mutex mutex_;
    std::condition_variable found_cv_;
    std::string request_id_;
    std::optional<telemetry::SubscriptionId> subscription_;
    std::optional<telemetry::RequestEvent> found_;
    bool finished_ = false;
};

}  // namespace ilab::workbench
