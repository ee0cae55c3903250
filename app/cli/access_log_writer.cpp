#include "app/cli/access_log_writer.h"

#include "engine/telemetry/access_log.h"

namespace ilab::cli {

AccessLogWriter::AccessLogWriter(std::ostream& out) : out_(out), thread_([this] { run(); }) {}

AccessLogWriter::~AccessLogWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_one();
    thread_.join();
}

void AccessLogWriter::enqueue(const telemetry::Delivery& delivery) {
    {
        std::lock_guard lock(mutex_);
        queue_.insert(queue_.end(), delivery.batches.begin(), delivery.batches.end());
    }
    ready_.notify_one();
}

void AccessLogWriter::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        auto batch = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        for (const telemetry::RequestEvent& event : batch->events)
            out_ << telemetry::formatAccessLog(event) << '\n';
        out_.flush();
        lock.lock();
    }
}

}  // namespace ilab::cli
