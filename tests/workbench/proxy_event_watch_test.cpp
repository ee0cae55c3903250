// The composer's wait for the proxy's event of its request (engine/workbench/proxy_event_watch),
// against a bare Telemetry hub: the event is found whenever it is delivered, among any number
// of others, and the subscription ends once the watch no longer needs it.
#include "engine/workbench/proxy_event_watch.h"

#include <gtest/gtest.h>

namespace ilab::workbench {
namespace {

using namespace std::chrono_literals;

class ProxyEventWatchTest : public ::testing::Test {
  protected:
    telemetry::RequestEvent event(const std::string& id, std::optional<std::uint64_t> draw = {}) {
        telemetry::RequestEvent e;
        e.request_id = id;
        e.status = 200;
        e.accepted = e.complete = epoch_;
        e.canary_draw = draw;
        return e;
    }
    void flush() { hub_.flush(epoch_ + std::chrono::seconds(++second_)); }

    telemetry::TimePoint epoch_ = telemetry::Clock::now();
    telemetry::Telemetry hub_{telemetry::TelemetryOptions{.epoch = epoch_}};
    int second_ = 0;
};

TEST_F(ProxyEventWatchTest, FindsItsEventAmongManyOthersEvenWhenDeliveredBeforeTheWait) {
    auto watch = ProxyEventWatch::start(hub_, "mine");
    // Background traffic, then the composed request: all delivered before wait() begins (the
    // first version buffered 64 early events and missed its own behind them).
    for (int i = 0; i < 500; ++i) hub_.record(event("other-" + std::to_string(i), 50));
    hub_.record(event("mine", 7));
    flush();
    const auto found = watch->wait(0ms);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->canary_draw, 7u);
}

TEST_F(ProxyEventWatchTest, AnEventThatNeverComesEndsTheWaitAtItsTimeout) {
    auto watch = ProxyEventWatch::start(hub_, "mine");
    hub_.record(event("other"));
    flush();
    EXPECT_FALSE(watch->wait(20ms));
}

TEST_F(ProxyEventWatchTest, TheSubscriptionEndsOnceFoundOrFinished) {
    // The hub holds the watch through its subscription: once that ends, only we do.
    auto found = ProxyEventWatch::start(hub_, "a");
    auto unanswered = ProxyEventWatch::start(hub_, "never");
    EXPECT_GT(found.use_count(), 1);
    EXPECT_GT(unanswered.use_count(), 1);
    unanswered->finish();  // its request got no answer: nothing to wait for
    hub_.record(event("a"));
    flush();
    EXPECT_EQ(found.use_count(), 1);
    EXPECT_EQ(unanswered.use_count(), 1);
    EXPECT_TRUE(found->wait(0ms));
}

}  // namespace
}  // namespace ilab::workbench
