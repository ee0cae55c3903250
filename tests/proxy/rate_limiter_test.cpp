#include "engine/proxy/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/dialect/dialect.h"

namespace ilab::proxy {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::steady_clock::time_point;

constexpr std::string_view kZone = "shop/web";  // one zone per Ingress object
const Time kT0 = Time{} + 1000h;                // any fixed point; nothing here reads a clock

RateLimiterOptions options(int req_status, int conn_status, std::size_t max_entries) {
    RateLimiterOptions o;
    o.limit_req_status = req_status;
    o.limit_conn_status = conn_status;
    o.max_entries_per_zone = max_entries;
    return o;
}

// The policy the ingress-nginx dialect reads from these annotations (short names).
dialect::RateLimitPolicy policyFrom(std::vector<std::pair<std::string, std::string>> annotations) {
    model::Ingress ingress;
    ingress.meta.name = "web";
    ingress.meta.namespace_ = "shop";
    for (auto& [name, value] : annotations)
        ingress.meta.annotations["nginx.ingress.kubernetes.io/" + name] = std::move(value);
    core::Diagnostics diagnostics;
    return dialect::makeNginxDialect()->translate(ingress, diagnostics).rate_limit;
}

dialect::RateLimitPolicy rps(int n) {
    dialect::RateLimitPolicy p;
    p.rps = n;
    return p;
}

// How many of `count` back-to-back requests pass, all at time `at`.
int passes(RateLimiter& limiter, const dialect::RateLimitPolicy& policy, int count,
           std::string_view ip = "192.0.2.1", Time at = kT0, std::string_view zone = kZone) {
    int passed = 0;
    for (int i = 0; i < count; ++i)
        passed += limiter.admit(zone, policy, ip, at).allowed ? 1 : 0;
    return passed;
}

TEST(RateLimiterTest, RpsOneLetsSixBackToBackRequestsThrough) {  // L02
    RateLimiter limiter;
    const auto policy = policyFrom({{"limit-rps", "1"}});
    for (int i = 0; i < 6; ++i)
        EXPECT_TRUE(limiter.admit(kZone, policy, "192.0.2.1", kT0).allowed) << i;
    for (int i = 6; i < 10; ++i) {
        const RateVerdict v = limiter.admit(kZone, policy, "192.0.2.1", kT0);
        EXPECT_FALSE(v.allowed) << i;
        EXPECT_EQ(v.status, 503);
        EXPECT_EQ(v.rejected_by, LimitKind::Rps);
        EXPECT_EQ(v.excess_milli, 6000u);  // 1000 over the 5000 burst: nginx's log line
    }
}

TEST(RateLimiterTest, RpmOneAlsoAllowsSixThenRejects) {  // L03
    RateLimiter limiter;
    const auto policy = policyFrom({{"limit-rpm", "1"}});
    std::vector<bool> outcomes;
    for (int i = 0; i < 30; ++i)
        outcomes.push_back(limiter.admit(kZone, policy, "192.0.2.1", kT0).allowed);
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.begin() + 6, true), 6);
    EXPECT_EQ(std::count(outcomes.begin() + 6, outcomes.end(), true), 0);
}

TEST(RateLimiterTest, RejectionStatusIsConfigurable) {  // L06
    RateLimiter limiter(options(429, 503, 1000));
    EXPECT_EQ(passes(limiter, rps(1), 6), 6);
    EXPECT_EQ(limiter.admit(kZone, rps(1), "192.0.2.1", kT0).status, 429);
}

TEST(RateLimiterTest, AllowlistedClientsAreNeverLimited) {  // L05
    RateLimiter limiter;
    const auto policy = policyFrom({{"limit-rps", "1"}, {"limit-allowlist", "10.0.0.0/8"}});
    ASSERT_EQ(policy.allowlist.size(), 1u);
    for (int i = 0; i < 50; ++i) {
        const RateVerdict v = limiter.admit(kZone, policy, "10.1.2.3", kT0);
        EXPECT_TRUE(v.allowed);
        EXPECT_TRUE(v.allowlisted);
    }
    EXPECT_EQ(limiter.entries(kZone, LimitKind::Rps), 0u);  // an empty key makes no entry
    EXPECT_EQ(passes(limiter, policy, 50, "11.0.0.1"), 6);  // others still are
}

TEST(RateLimiterTest, TheWhitelistAliasWorksToo) {  // L05 via limit-whitelist
    RateLimiter limiter;
    const auto policy = policyFrom({{"limit-rps", "1"}, {"limit-whitelist", "10.1.2.3"}});
    EXPECT_EQ(passes(limiter, policy, 20, "10.1.2.3"), 20);
}

TEST(RateLimiterTest, AllPathsAndHostsOfAnIngressShareOneBucket) {  // L07
    RateLimiter limiter;
    // The proxy names the zone after the Ingress, so /a and /b of shop/web hit the same bucket.
    int passed = 0;
    for (int i = 0; i < 10; ++i)
        passed += limiter.admit("shop/web", rps(1), "192.0.2.1", kT0).allowed;
    EXPECT_EQ(passed, 6);
    // Another Ingress is another zone.
    EXPECT_EQ(passes(limiter, rps(1), 10, "192.0.2.1", kT0, "shop/other"), 6);
}

TEST(RateLimiterTest, EachClientAddressHasItsOwnBucket) {
    RateLimiter limiter;
    EXPECT_EQ(passes(limiter, rps(1), 10, "192.0.2.1"), 6);
    EXPECT_EQ(passes(limiter, rps(1), 10, "192.0.2.2"), 6);
    EXPECT_EQ(passes(limiter, rps(1), 10, "2001:db8::1"), 6);
}

TEST(RateLimiterTest, BurstRefillsAtTheRate) {
    RateLimiter limiter;
    EXPECT_EQ(passes(limiter, rps(1), 7), 6);  // excess 5000, at the burst
    // One second drains 1000: exactly one more fits.
    EXPECT_EQ(passes(limiter, rps(1), 3, "192.0.2.1", kT0 + 1s), 1);
    // Half a second is not enough for another.
    EXPECT_EQ(passes(limiter, rps(1), 1, "192.0.2.1", kT0 + 1500ms), 0);
    EXPECT_EQ(passes(limiter, rps(1), 1, "192.0.2.1", kT0 + 2s), 1);
    // Idle long enough, the whole burst is back.
    EXPECT_EQ(passes(limiter, rps(1), 10, "192.0.2.1", kT0 + 60s), 6);
}

TEST(RateLimiterTest, ExcessIsKeptInMilliRequestsWithNginxIntegerMath) {
    RateLimiter limiter;
    dialect::RateLimitPolicy rpm;
    rpm.rpm = 1;  // nginx: rate = 1 * 1000 / 60 = 16 milli-requests per second, not 16.67
    EXPECT_EQ(passes(limiter, rpm, 6), 6);
    EXPECT_EQ(limiter.excess(kZone, LimitKind::Rpm, "192.0.2.1", kT0), 5000u);
    // After a minute only 960 have drained: 5000 - 960 + 1000 > 5000, still rejected.
    EXPECT_EQ(limiter.excess(kZone, LimitKind::Rpm, "192.0.2.1", kT0 + 60s), 4040u);
    EXPECT_EQ(passes(limiter, rpm, 1, "192.0.2.1", kT0 + 60s), 0);
    // 63 s drain 1008: 5000 - 1008 + 1000 = 4992 fits.
    EXPECT_EQ(passes(limiter, rpm, 1, "192.0.2.1", kT0 + 63s), 1);
}

TEST(RateLimiterTest, BurstMultiplierScalesTheBurst) {
    RateLimiter limiter;
    const auto policy = policyFrom({{"limit-rps", "2"}, {"limit-burst-multiplier", "3"}});
    EXPECT_EQ(policy.burst_multiplier, 3);
    EXPECT_EQ(passes(limiter, policy, 20), 7);  // burst 6 plus the first request
}

TEST(RateLimiterTest, WhicheverLimitRejectsFirstWinsAndNothingIsCharged) {
    RateLimiter limiter;
    dialect::RateLimitPolicy both;
    both.rps = 1;
    both.rpm = 600;             // 10 r/s with a 600-request burst: never the tighter one here
    both.burst_multiplier = 1;  // rps burst 1000
    EXPECT_EQ(passes(limiter, both, 2), 2);
    const RateVerdict v = limiter.admit(kZone, both, "192.0.2.1", kT0);
    EXPECT_FALSE(v.allowed);
    EXPECT_EQ(v.rejected_by, LimitKind::Rps);
    // The rejected request charged neither bucket.
    EXPECT_EQ(limiter.excess(kZone, LimitKind::Rps, "192.0.2.1", kT0), 1000u);
    EXPECT_EQ(limiter.excess(kZone, LimitKind::Rpm, "192.0.2.1", kT0), 1000u);

    dialect::RateLimitPolicy tight_rpm;
    tight_rpm.rps = 100;  // burst 500 requests
    tight_rpm.rpm = 1;    // burst 5 requests
    EXPECT_EQ(passes(limiter, tight_rpm, 6, "192.0.2.9"), 6);
    const RateVerdict w = limiter.admit(kZone, tight_rpm, "192.0.2.9", kT0);
    EXPECT_EQ(w.rejected_by, LimitKind::Rpm);
    EXPECT_EQ(limiter.excess(kZone, LimitKind::Rps, "192.0.2.9", kT0), 5000u);  // not 6000
}

TEST(RateLimiterTest, NoLimitMeansNoEntry) {
    RateLimiter limiter;
    EXPECT_EQ(passes(limiter, dialect::RateLimitPolicy{}, 100), 100);
    EXPECT_EQ(limiter.entries(kZone, LimitKind::Rps), 0u);
}

TEST(RateLimiterTest, ZonesKeepAtMostTheConfiguredEntriesDroppingTheLeastRecentlyUsed) {
    RateLimiter limiter(options(503, 503, 4));
    for (int i = 1; i <= 10; ++i) {
        const std::string ip = "198.51.100." + std::to_string(i);
        EXPECT_EQ(passes(limiter, rps(1), 6, ip), 6);
    }
    EXPECT_EQ(limiter.entries(kZone, LimitKind::Rps), 4u);
    // The newest four are remembered (still at their burst), the oldest was forgotten.
    EXPECT_EQ(passes(limiter, rps(1), 1, "198.51.100.10"), 0);
    EXPECT_EQ(passes(limiter, rps(1), 1, "198.51.100.1"), 1);
}

TEST(RateLimiterTest, IdleDrainedEntriesExpireWhenANewClientArrives) {
    RateLimiter limiter;
    EXPECT_EQ(passes(limiter, rps(1), 1, "198.51.100.1"), 1);
    EXPECT_EQ(passes(limiter, rps(1), 1, "198.51.100.2", kT0 + 30s), 1);
    EXPECT_EQ(limiter.entries(kZone, LimitKind::Rps), 2u);
    // A minute after its last request the first client's entry is drained and idle: it goes.
    EXPECT_EQ(passes(limiter, rps(1), 1, "198.51.100.3", kT0 + 61s), 1);
    EXPECT_EQ(limiter.entries(kZone, LimitKind::Rps), 2u);
}

TEST(RateLimiterTest, ClockSteppingBackIsTreatedAsNoTime) {
    RateLimiter limiter;
    EXPECT_EQ(passes(limiter, rps(1), 6), 6);
    EXPECT_EQ(passes(limiter, rps(1), 1, "192.0.2.1", kT0 - 5s), 0);
}

TEST(RateLimiterTest, ConnectionsAreLimitedPerClient) {  // L01
    RateLimiter limiter;
    const auto policy = policyFrom({{"limit-connections", "8"}});
    std::vector<ConnectionSlot> slots;
    int admitted = 0, rejected = 0;
    for (int i = 0; i < 20; ++i) {
        ConnectionSlot slot = limiter.acquireConnection(kZone, policy, "192.0.2.1");
        if (slot.admitted()) {
            ++admitted;
        } else {
            ++rejected;
            EXPECT_EQ(slot.status(), 503);
        }
        slots.push_back(std::move(slot));  // all twenty are in flight at once
    }
    EXPECT_EQ(admitted, 8);
    EXPECT_EQ(rejected, 12);
    EXPECT_EQ(limiter.activeConnections(kZone, "192.0.2.1"), 8);
    EXPECT_TRUE(limiter.acquireConnection(kZone, policy, "192.0.2.2").admitted());
    slots.clear();  // the responses finish
    EXPECT_EQ(limiter.activeConnections(kZone, "192.0.2.1"), 0);
    EXPECT_EQ(limiter.entries(kZone, LimitKind::Connections), 0u);
    EXPECT_TRUE(limiter.acquireConnection(kZone, policy, "192.0.2.1").admitted());
}

TEST(RateLimiterTest, ConnectionSlotsReleaseOnceAndMoveCleanly) {
    RateLimiter limiter(options(503, 429, 1000));
    dialect::RateLimitPolicy policy;
    policy.connections = 1;
    ConnectionSlot a = limiter.acquireConnection(kZone, policy, "192.0.2.1");
    ASSERT_TRUE(a.holding());
    EXPECT_EQ(limiter.acquireConnection(kZone, policy, "192.0.2.1").status(), 429);
    ConnectionSlot b = std::move(a);
    EXPECT_FALSE(a.holding());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(limiter.activeConnections(kZone, "192.0.2.1"), 1);
    b.release();
    b.release();
    EXPECT_EQ(limiter.activeConnections(kZone, "192.0.2.1"), 0);
    {
        ConnectionSlot scoped = limiter.acquireConnection(kZone, policy, "192.0.2.1");
        EXPECT_TRUE(scoped.admitted());
    }
    EXPECT_TRUE(limiter.acquireConnection(kZone, policy, "192.0.2.1").admitted());
}

TEST(RateLimiterTest, AllowlistedClientsTakeNoConnectionSlot) {
    RateLimiter limiter;
    dialect::RateLimitPolicy policy;
    policy.connections = 1;
    policy.allowlist.push_back(*core::Cidr::parse("10.0.0.0/8"));
    ConnectionSlot a = limiter.acquireConnection(kZone, policy, "10.0.0.7");
    ConnectionSlot b = limiter.acquireConnection(kZone, policy, "10.0.0.7");
    EXPECT_TRUE(a.admitted());
    EXPECT_TRUE(b.admitted());
    EXPECT_FALSE(a.holding());
}

}  // namespace
}  // namespace ilab::proxy
