#include "engine/telemetry/telemetry.h"

#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/telemetry/events.h"

namespace ilab::telemetry {
namespace {

using namespace fixtures;
using std::chrono::milliseconds;
using std::chrono::seconds;

TelemetryOptions testOptions() {
    TelemetryOptions o;
    o.epoch = epoch();
    return o;
}

TEST(TelemetryTest, RecordedEventsAppearInTheSnapshotAfterAFlush) {
    Telemetry t(testOptions());
    ASSERT_NE(t.snapshot(), nullptr);
    EXPECT_EQ(t.snapshot()->total->counters.requests, 0u);

    EXPECT_TRUE(t.record(makeEvent({.status = 200})));
    EXPECT_TRUE(t.record(makeEvent({.status = 503, .pod = ""})));
    EXPECT_EQ(t.recordedEvents(), 2u);
    EXPECT_EQ(t.snapshot()->total->counters.requests, 0u);  // not flushed yet

    t.flush(epoch() + seconds{1});
    const auto snap = t.snapshot();
    EXPECT_EQ(snap->sequence, 1u);
    EXPECT_EQ(snap->events_recorded, 2u);
    const Counters& total = snap->total->counters;
    EXPECT_EQ(total.requests, 2u);
    EXPECT_EQ(total.by_status_class[2], 1u);
    EXPECT_EQ(total.by_status_class[5], 1u);
    EXPECT_EQ(total.bytes_received, 160u);
    EXPECT_EQ(total.bytes_sent, 500u);
    EXPECT_EQ(snap->total->latency.count(), 2u);
    EXPECT_EQ(snap->total->upstream_latency.count(), 1u);  // the 503 reached no pod

    ASSERT_NE(snap->ingress("shop/web"), nullptr);
    EXPECT_EQ(snap->ingress("shop/web")->counters.requests, 2u);
    ASSERT_NE(snap->service("shop/web"), nullptr);
    ASSERT_NE(snap->pod("web-7d4b9c8f6-x2kq9"), nullptr);
    EXPECT_EQ(snap->pod("web-7d4b9c8f6-x2kq9")->counters.requests, 1u);
    EXPECT_EQ(snap->pod("nope"), nullptr);
}

TEST(TelemetryTest, CanaryRequestsCountUnderTheServiceThatServedThem) {
    Telemetry t(testOptions());
    t.record(makeEvent({}));
    t.record(makeEvent({.pod = "web-canary-5c9f7-abcde", .canary = true}));
    t.flush(epoch() + seconds{1});
    const auto snap = t.snapshot();
    ASSERT_NE(snap->service("shop/web-canary"), nullptr);
    EXPECT_EQ(snap->service("shop/web-canary")->counters.canary, 1u);
    EXPECT_EQ(snap->service("shop/web")->counters.requests, 1u);
    EXPECT_EQ(snap->ingress("shop/web")->counters.canary, 1u);
    EXPECT_EQ(snap->total->counters.canary, 1u);
}

TEST(TelemetryTest, KeysAreSortedAndCappedIntoOther) {
    TelemetryOptions o = testOptions();
    o.max_keys_per_dimension = 2;
    Telemetry t(o);
    for (const char* pod : {"c-pod", "a-pod", "b-pod", "d-pod"})
        t.record(makeEvent({.pod = pod}));
    t.flush(epoch() + seconds{1});
    const auto snap = t.snapshot();
    ASSERT_EQ(snap->pods.size(), 3u);
    EXPECT_EQ(snap->pods[0]->key, "(other)");
    EXPECT_EQ(snap->pods[1]->key, "a-pod");
    EXPECT_EQ(snap->pods[2]->key, "c-pod");
    EXPECT_EQ(snap->pod("(other)")->counters.requests, 2u);
    EXPECT_EQ(snap->keys_overflow, 2u);
}

TEST(TelemetryTest, PublishedSnapshotsNeverChangeAndShareWhatDidNotChange) {
    Telemetry t(testOptions());
    t.record(makeEvent({.pod = "a"}));
    t.record(makeEvent({.pod = "b"}));
    t.flush(epoch() + seconds{1});
    const auto first = t.snapshot();

    t.record(makeEvent({.at = seconds{1}, .pod = "a"}));
    t.flush(epoch() + seconds{2});
    const auto second = t.snapshot();

    EXPECT_EQ(first->total->counters.requests, 2u);
    EXPECT_EQ(first->pod("a")->counters.requests, 1u);
    EXPECT_EQ(first->pod("a")->series.at(1).requests, 0u);
    EXPECT_EQ(second->total->counters.requests, 3u);
    EXPECT_EQ(second->pod("a")->counters.requests, 2u);
    EXPECT_EQ(second->pod("a")->series.at(1).requests, 1u);
    // Pod b saw nothing new: both snapshots hold the very same object.
    EXPECT_EQ(first->pod("b"), second->pod("b"));
    EXPECT_NE(first->pod("a"), second->pod("a"));
}

TEST(TelemetryTest, SubscribersGetBatchesAtMostOncePerInterval) {
    Telemetry t(testOptions());
    std::vector<Delivery> got;
    t.subscribe([&](const Delivery& d) { got.push_back(d); }, milliseconds{100});

    t.record(makeEvent());
    t.flush(epoch() + milliseconds{0});  // first delivery goes out at once
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].eventCount(), 1u);
    EXPECT_EQ(got[0].snapshot->total->counters.requests, 1u);

    t.record(makeEvent());
    t.record(makeEvent());
    t.flush(epoch() + milliseconds{50});  // too soon: kept for later
    EXPECT_EQ(got.size(), 1u);
    t.record(makeEvent());
    t.flush(epoch() + milliseconds{100});
    ASSERT_EQ(got.size(), 2u);
    ASSERT_EQ(got[1].batches.size(), 2u);  // the 50 ms batch and the 100 ms one, in order
    EXPECT_EQ(got[1].batches[0]->events.size(), 2u);
    EXPECT_EQ(got[1].batches[1]->events.size(), 1u);
    EXPECT_LT(got[1].batches[0]->sequence, got[1].batches[1]->sequence);
    EXPECT_EQ(got[1].snapshot->total->counters.requests, 4u);  // includes every batch

    t.flush(epoch() + milliseconds{300});  // nothing new: no delivery
    EXPECT_EQ(got.size(), 2u);
}

TEST(TelemetryTest, SubscribersWithDifferentIntervalsShareTheSameBatches) {
    Telemetry t(testOptions());
    std::vector<Delivery> fast, slow;
    t.subscribe([&](const Delivery& d) { fast.push_back(d); }, milliseconds{50});
    t.subscribe([&](const Delivery& d) { slow.push_back(d); }, milliseconds{1000});
    for (int i = 0; i < 20; ++i) {
        t.record(makeEvent());
        t.flush(epoch() + milliseconds{50 * i});
    }
    EXPECT_EQ(fast.size(), 20u);
    EXPECT_EQ(slow.size(), 1u);  // the first flush; the next is due at 1000 ms
    t.flush(epoch() + milliseconds{1000});
    ASSERT_EQ(slow.size(), 2u);
    EXPECT_EQ(slow[1].eventCount(), 19u);
    EXPECT_EQ(slow[1].batches.front(), fast[1].batches.front());  // shared, not copied
}

TEST(TelemetryTest, BatchesASubscriberKeepsStayIntactAcrossLaterFlushes) {
    Telemetry t(testOptions());
    std::shared_ptr<const EventBatch> kept;
    t.subscribe(
        [&](const Delivery& d) {
            if (!kept) kept = d.batches.front();
        },
        milliseconds{0});
    for (int i = 0; i < 3; ++i)
        t.record(makeEvent({.at = milliseconds{i}, .status = 200 + i}));
    t.flush(epoch() + milliseconds{10});
    ASSERT_NE(kept, nullptr);
    // Later flushes reuse drained batch storage; never the storage of a batch someone holds.
    for (int round = 1; round <= 3; ++round) {
        for (int i = 0; i < 50; ++i)
            t.record(makeEvent({.status = 500}));
        t.flush(epoch() + milliseconds{10 + round});
    }
    ASSERT_EQ(kept->events.size(), 3u);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(kept->events[static_cast<std::size_t>(i)].status, 200 + i);
}

TEST(TelemetryTest, ASlowSubscriberNeverBlocksRecord) {
    Telemetry t(testOptions());
    std::promise<void> entered, release;
    auto release_future = release.get_future().share();
    int deliveries = 0;
    t.subscribe(
        [&](const Delivery&) {
            if (++deliveries == 1) {
                entered.set_value();
                release_future.wait();  // a front end that stalls
            }
        },
        milliseconds{0});

    t.record(makeEvent());
    std::thread flusher([&] { t.flush(epoch() + milliseconds{50}); });
    entered.get_future().wait();  // the flusher is now stuck inside the callback

    // The proxy keeps recording while the subscriber is stuck; none of these waits on it.
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(t.record(makeEvent()));
    EXPECT_EQ(t.recordedEvents(), 1001u);
    EXPECT_EQ(t.snapshot()->total->counters.requests, 1u);  // readers are not blocked either

    release.set_value();
    flusher.join();
    t.flush(epoch() + milliseconds{100});
    EXPECT_EQ(deliveries, 2);
    EXPECT_EQ(t.snapshot()->total->counters.requests, 1001u);
}

TEST(TelemetryTest, EventsBeyondThePendingCapAreDroppedAndCounted) {
    TelemetryOptions o = testOptions();
    o.max_pending_events = 10;
    Telemetry t(o);
    int accepted = 0;
    for (int i = 0; i < 15; ++i)
        accepted += t.record(makeEvent()) ? 1 : 0;
    EXPECT_EQ(accepted, 10);
    EXPECT_EQ(t.droppedEvents(), 5u);
    t.flush(epoch() + seconds{1});
    EXPECT_EQ(t.snapshot()->events_recorded, 10u);
    EXPECT_EQ(t.snapshot()->events_dropped, 5u);
    EXPECT_TRUE(t.record(makeEvent()));  // the flush made room again
}

TEST(TelemetryTest, UnsubscribeStopsDeliveriesIncludingFromInsideTheCallback) {
    Telemetry t(testOptions());
    int outside = 0, inside = 0;
    const SubscriptionId a = t.subscribe([&](const Delivery&) { ++outside; }, milliseconds{0});
    SubscriptionId b = 0;
    b = t.subscribe(
        [&](const Delivery&) {
            ++inside;
            t.unsubscribe(b);
        },
        milliseconds{0});
    t.record(makeEvent());
    t.flush(epoch() + milliseconds{1});
    t.unsubscribe(a);
    t.record(makeEvent());
    t.flush(epoch() + milliseconds{2});
    EXPECT_EQ(outside, 1);
    EXPECT_EQ(inside, 1);
    t.unsubscribe(12345);  // unknown ids are ignored
}

TEST(TelemetryTest, OneSecondSeriesCountsPerSecondWithPercentiles) {
    Telemetry t(testOptions());
    // Second 3: 100 requests taking 1..100 ms. Second 5: two 5xx.
    for (int i = 1; i <= 100; ++i) {
        t.record(makeEvent({.at = milliseconds{3000 + i}, .duration = milliseconds{i}}));
    }
    t.record(makeEvent({.at = milliseconds{5100}, .status = 500}));
    t.record(makeEvent({.at = milliseconds{5200}, .status = 502}));
    t.flush(epoch() + milliseconds{5300});
    const auto snap = t.snapshot();
    EXPECT_EQ(snap->current_second, 5);
    const auto points = snap->recent(*snap->total, 4);
    ASSERT_EQ(points.size(), 4u);
    EXPECT_EQ(points[0].second, 2);
    EXPECT_EQ(points[0].requests, 0u);
    const SeriesPoint& p3 = points[1];
    EXPECT_EQ(p3.second, 3);
    EXPECT_EQ(p3.requests, 100u);
    EXPECT_EQ(p3.by_status_class[2], 100u);
    EXPECT_EQ(p3.latency_max_us, 100000u);
    EXPECT_EQ(p3.latency_sum_us, 5050u * 1000);
    EXPECT_NEAR(static_cast<double>(p3.latency_p50_us), 50000, 50000.0 / 64);
    EXPECT_NEAR(static_cast<double>(p3.latency_p90_us), 90000, 90000.0 / 64);
    EXPECT_NEAR(static_cast<double>(p3.latency_p95_us), 95000, 95000.0 / 64);
    EXPECT_NEAR(static_cast<double>(p3.latency_p99_us), 99000, 99000.0 / 64);
    EXPECT_EQ(points[3].second, 5);
    EXPECT_EQ(points[3].serverErrors(), 2u);
}

TEST(TelemetryTest, LateEventsInTheSameSecondUpdateItsPercentilesAcrossFlushes) {
    Telemetry t(testOptions());
    t.record(makeEvent({.at = milliseconds{1100}, .duration = milliseconds{10}}));
    t.flush(epoch() + milliseconds{1150});
    const auto before = t.snapshot();
    t.record(makeEvent({.at = milliseconds{1120}, .duration = milliseconds{30}}));
    t.record(makeEvent({.at = milliseconds{1130}, .duration = milliseconds{30}}));
    t.flush(epoch() + milliseconds{2050});
    const auto after = t.snapshot();
    EXPECT_EQ(before->total->series.at(1).latency_p50_us, 10000u);
    EXPECT_EQ(after->total->series.at(1).requests, 3u);
    EXPECT_NEAR(static_cast<double>(after->total->series.at(1).latency_p50_us), 30000,
                30000.0 / 64);
}

TEST(TelemetryTest, TheSeriesWindowRollsOver) {
    TelemetryOptions o = testOptions();
    o.series_window = seconds{120};
    Telemetry t(o);
    t.record(makeEvent({.at = seconds{10}}));
    t.flush(epoch() + seconds{11});
    EXPECT_EQ(t.snapshot()->total->series.at(10).requests, 1u);

    // Ten minutes later the old point has left the window and its chunk is gone.
    t.record(makeEvent({.at = seconds{610}}));
    t.flush(epoch() + seconds{611});
    const auto snap = t.snapshot();
    EXPECT_EQ(snap->total->series.at(10).requests, 0u);
    EXPECT_EQ(snap->total->series.at(610).requests, 1u);
    EXPECT_EQ(snap->total->series.firstSecond(), 610);
    const auto recent = snap->recent(*snap->total, 100000);
    EXPECT_EQ(recent.size(), 120u);  // clamped to the window
    EXPECT_EQ(recent.back().second, 611);
    // The lifetime counters and histogram keep everything.
    EXPECT_EQ(snap->total->counters.requests, 2u);
    EXPECT_EQ(snap->total->latency.count(), 2u);
}

TEST(TelemetryTest, EventsAreDeliveredWithEverythingTheProxyFilledIn) {
    Telemetry t(testOptions());
    std::vector<RequestEvent> seen;
    t.subscribe(
        [&](const Delivery& d) {
            for (const auto& b : d.batches)
                seen.insert(seen.end(), b->events.begin(), b->events.end());
        },
        milliseconds{0});
    RequestEvent e = makeEvent({.canary = true});
    e.faults = {"latency +200ms on web-7d4b9c8f6-x2kq9"};
    t.record(e);
    t.flush(epoch() + seconds{1});
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].faults, e.faults);
    EXPECT_EQ(seen[0].pod(), "web-7d4b9c8f6-x2kq9");
    EXPECT_EQ(seen[0].alternativeUpstreamName(), "shop-web-canary-80");
    EXPECT_EQ(seen[0].upstreamName(), "shop-web-80");
    EXPECT_EQ(t.snapshot()->total->counters.faulted, 1u);
}

TEST(TelemetryTest, RecordFromManyThreadsLosesNothingBelowTheCap) {
    Telemetry t(testOptions());
    std::vector<std::thread> threads;
    for (int n = 0; n < 4; ++n) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2500; ++i)
                t.record(makeEvent());
        });
    }
    // Flush concurrently with the recorders, as the proxy's timer would.
    for (int i = 0; i < 20; ++i)
        t.flush(epoch() + milliseconds{50 * i});
    for (auto& th : threads)
        th.join();
    t.flush(epoch() + seconds{2});
    EXPECT_EQ(t.snapshot()->total->counters.requests, 10000u);
    EXPECT_EQ(t.droppedEvents(), 0u);
}

}  // namespace
}  // namespace ilab::telemetry
