// The load generator's schedule over loopback, without a lab: a profile with no requests sends
// nothing (and must not bring the generator down) while the others keep sending.
#include "engine/scenario/load_generator.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace ilab::scenario {
namespace {

using namespace std::chrono_literals;

TEST(LoadGeneratorTest, AProfileWithAnEmptyMixSendsNothingAndTheOthersKeepSending) {
    TrafficProfile empty;
    empty.name = "every rule";  // what the lab offers when no Ingress rule is served
    empty.rate = 200;
    TrafficProfile one;
    one.name = "one";
    one.rate = 200;
    RequestSpec r;
    r.url = "http://web.local/";
    ASSERT_TRUE(splitUrl(r));
    one.requests.push_back(r);

    LoadTarget target;
    target.http_port = 1;  // nothing listens: each request ends at once, refused
    LoadGenerator generator(target, 7);
    generator.start({empty, one}, std::chrono::steady_clock::now(), 10s);
    std::vector<RequestRecord> records;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (records.size() < 5 && std::chrono::steady_clock::now() < deadline) {
        for (auto& rec : generator.takeRecords())
            records.push_back(std::move(rec));
        std::this_thread::sleep_for(5ms);  // polling with a deadline
    }
    generator.stop(1s);
    ASSERT_GE(records.size(), 5u);
    for (const auto& rec : records)
        EXPECT_EQ(rec.profile, 1) << rec.error;
}

}  // namespace
}  // namespace ilab::scenario
