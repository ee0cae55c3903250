#include "engine/workbench/proxy_event_watch.h"

namespace ilab::workbench {

std::shared_ptr<ProxyEventWatch> ProxyEventWatch::start(telemetry::Telemetry& telemetry,
                                                        std::string request_id) {
    auto watch = std::make_shared<ProxyEventWatch>();
    watch->request_id_ = std::move(request_id);
    const auto id = telemetry.subscribe(
        [watch, &telemetry](const telemetry::Delivery& d) { watch->offer(telemetry, d); },
        std::chrono::milliseconds(10));
    std::lock_guard lock(watch->mutex_);
    watch->subscription_ = id;
    return watch;
}

std::optional<telemetry::RequestEvent> ProxyEventWatch::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    found_cv_.wait_for(lock, timeout, [this] { return found_.has_value(); });
    finished_ = true;
    return found_;
}

void ProxyEventWatch::finish() {
    std::lock_guard lock(mutex_);
    finished_ = true;
}

void ProxyEventWatch::offer(telemetry::Telemetry& telemetry, const telemetry::Delivery& d) {
    std::lock_guard lock(mutex_);
    if (!finished_ && !found_) {
        for (const auto& batch : d.batches)
            for (const auto& e : batch->events)
                if (e.request_id == request_id_) found_ = e;
        if (found_) found_cv_.notify_all();
    }
    // subscription_ is unset only until start() stores it: the next delivery ends it then.
    if ((finished_ || found_) && subscription_) {
        telemetry.unsubscribe(*subscription_);
        subscription_.reset();
    }
}

}  // namespace ilab::workbench
