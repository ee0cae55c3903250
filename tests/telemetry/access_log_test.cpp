#include "engine/telemetry/access_log.h"

#include <gtest/gtest.h>

#include "tests/telemetry/events.h"

namespace ilab::telemetry {
namespace {

using namespace fixtures;
using std::chrono::hours;
using std::chrono::minutes;

AccessLogOptions pacific() {
    return {minutes{-7 * 60}};
}

TEST(AccessLogTest, FormatsIngressNginxsDefaultLogFormatUpstream) {
    EXPECT_EQ(formatAccessLog(makeEvent(), pacific()),
              R"(127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 100 "-" )"
              R"("curl/7.88.1" 80 0.002 [shop-web-80] [] 127.1.0.5:8080 100 0.001 200 )"
              R"(5f1c0a3e9b2d4c6f8a7e1d3c5b9f0a2e)");
}

TEST(AccessLogTest, ListsEveryUpstreamTryAndTheCanaryUpstream) {
    RequestEvent e = makeEvent({.duration = milliseconds{1234}, .canary = true});
    e.referer = "https://shop.example.com/cart";
    e.remote_user = "alice";
    UpstreamAttempt refused = e.upstreams.front();
    refused.address = "127.1.0.9:8080";
    refused.status = 502;
    refused.connected.reset();
    refused.first_byte.reset();
    refused.end = refused.start + microseconds{300};
    refused.response_length = 0;
    e.upstreams.insert(e.upstreams.begin(), refused);
    e.upstreams.back().end = e.upstreams.back().start + milliseconds{1200};
    EXPECT_EQ(formatAccessLog(e, {hours{0}}),
              R"(127.0.0.1 - alice [10/Oct/2000:20:55:36 +0000] "GET / HTTP/1.1" 200 100 )"
              R"("https://shop.example.com/cart" "curl/7.88.1" 80 1.234 [shop-web-80] )"
              R"([shop-web-canary-80] 127.1.0.9:8080, 127.1.0.5:8080 0, 100 0.000, 1.200 )"
              R"(502, 200 5f1c0a3e9b2d4c6f8a7e1d3c5b9f0a2e)");
}

TEST(AccessLogTest, ARequestAnsweredWithoutAnUpstreamLogsDashes) {
    RequestEvent e = makeEvent({.status = 308, .pod = ""});
    e.service = {};
    e.body_bytes_sent = 164;
    EXPECT_EQ(formatAccessLog(e, pacific()),
              R"(127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 308 164 "-" )"
              R"("curl/7.88.1" 80 0.002 [-] [] - - - - 5f1c0a3e9b2d4c6f8a7e1d3c5b9f0a2e)");
}

TEST(AccessLogTest, AnExplicitUpstreamNameWins) {
    RequestEvent e = makeEvent({.status = 404, .pod = ""});
    e.service = {};
    e.upstream_name = "upstream-default-backend";
    const std::string line = formatAccessLog(e, pacific());
    EXPECT_NE(line.find(" [upstream-default-backend] [] - - - - "), std::string::npos) << line;
}

TEST(AccessLogTest, EscapesLikeNginxsLogModule) {
    RequestEvent e = makeEvent();
    e.user_agent = "Mo\"zilla\\5.0 caf\xC3\xA9\ttab";
    e.target = "/search?q=a b";
    const std::string line = formatAccessLog(e, pacific());
    EXPECT_NE(line.find(R"("Mo\x22zilla\x5C5.0 caf\xC3\xA9\x09tab")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("GET /search?q=a b HTTP/1.1")"), std::string::npos);
}

TEST(AccessLogTest, AnUnparsedRequestLineIsADashAndStatusHasThreeDigits) {
    RequestEvent e = makeEvent({.status = 400, .pod = ""});
    e.method.clear();
    e.user_agent.clear();
    EXPECT_NE(formatAccessLog(e, pacific()).find(R"("-" 400 100 "-" "-" 80)"), std::string::npos);
    e.status = 0;
    EXPECT_NE(formatAccessLog(e, pacific()).find(R"("-" 000 )"), std::string::npos);
}

TEST(AccessLogTest, TimeLocalHandlesOffsetsAndDateChanges) {
    EXPECT_EQ(formatTimeLocal(wallClock(), minutes{0}), "10/Oct/2000:20:55:36 +0000");
    EXPECT_EQ(formatTimeLocal(wallClock(), minutes{5 * 60 + 30}), "11/Oct/2000:02:25:36 +0530");
    EXPECT_EQ(formatTimeLocal(wallClock(), minutes{-7 * 60}), "10/Oct/2000:13:55:36 -0700");
    EXPECT_EQ(formatTimeLocal(WallTime{}, minutes{0}), "01/Jan/1970:00:00:00 +0000");
}

TEST(AccessLogTest, WithoutAnOffsetTheLocalZoneIsUsed) {
    // Whatever the machine's zone, the line carries a well-formed $time_local.
    const std::string line = formatAccessLog(makeEvent());
    const auto open = line.find('[');
    const auto close = line.find(']');
    ASSERT_NE(open, std::string::npos);
    EXPECT_EQ(close - open - 1, std::string("10/Oct/2000:13:55:36 -0700").size()) << line;
}

}  // namespace
}  // namespace ilab::telemetry
