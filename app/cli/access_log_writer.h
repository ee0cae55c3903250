#pragma once
// Writes the lab's access log in ingress-nginx's format on a thread of its own: the proxy's
// flush only hands batches over, so a slow disk or pipe never slows the proxy.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>

#include "engine/telemetry/telemetry.h"

namespace ilab::cli {

class AccessLogWriter {
public:
    explicit AccessLogWriter(std::ostream& out);
    ~AccessLogWriter();  // writes what is queued, then stops
    AccessLogWriter(const AccessLogWriter&) = delete;
    AccessLogWriter& operator=(const AccessLogWriter&) = delete;

    // A telemetry subscriber: queues the batches (shared, not copied). Any thread.
    void enqueue(const telemetry::Delivery& delivery);

private:
    void run();

    std::ostream& out_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::shared_ptr<const telemetry::EventBatch>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ilab::cli
