#include "engine/proxy/forwarding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ilab::proxy {
namespace {

using ::testing::Contains;
using ::testing::Not;
using ::testing::Pair;

routing::Decision forwardTo(std::string host) {
    routing::Decision d;
    d.action = routing::Action::Forward;
    d.upstream.host = std::move(host);
    d.upstream.path = "/";
    return d;
}

TEST(ForwardingTest, HopByHopHeadersAndThoseNamedInConnectionAreDropped) {
    const HeaderList client = {{"Connection", "keep-alive, X-Secret"},
                               {"Keep-Alive", "timeout=5"},
                               {"X-Secret", "1"},
                               {"Upgrade", "h2c"},
                               {"TE", "trailers"},
                               {"Accept", "*/*"}};
    const HeaderList out =
        upstreamHeaders(client, forwardTo("shop.local"), {"10.1.2.3", 5555, "http", 8080}, "/a?b",
                        "0123456789abcdef0123456789abcdef");
    for (const char* gone : {"Connection", "Keep-Alive", "X-Secret", "Upgrade", "TE"})
        EXPECT_THAT(out, Not(Contains(Pair(gone, ::testing::_)))) << gone;
    EXPECT_THAT(out, Contains(Pair("Accept", "*/*")));
}

TEST(ForwardingTest, ControllerHeadersReplaceWhatTheClientSent) {
    const HeaderList client = {
        {"X-Forwarded-For", "6.6.6.6"}, {"x-real-ip", "6.6.6.6"}, {"Host", "evil"}};
    const HeaderList out =
        upstreamHeaders(client, forwardTo("shop.local"), {"10.1.2.3", 5555, "https", 8443},
                        "/orig?x=1", "0123456789abcdef0123456789abcdef");
    EXPECT_THAT(out, Not(Contains(Pair("X-Forwarded-For", "6.6.6.6"))));
    EXPECT_THAT(out, Not(Contains(Pair("x-real-ip", "6.6.6.6"))));
    EXPECT_THAT(out, Contains(Pair("Host", "shop.local")));
    EXPECT_THAT(out, Contains(Pair("X-Forwarded-For", "10.1.2.3")));
    EXPECT_THAT(out, Contains(Pair("X-Real-IP", "10.1.2.3")));
    EXPECT_THAT(out, Contains(Pair("X-Forwarded-Proto", "https")));
    EXPECT_THAT(out, Contains(Pair("X-Forwarded-Port", "8443")));
    EXPECT_THAT(out, Contains(Pair("X-Original-URI", "/orig?x=1")));
    EXPECT_THAT(out, Contains(Pair("X-Request-ID", "0123456789abcdef0123456789abcdef")));
}

TEST(ForwardingTest, HeadersTheDecisionClearsNeverReachTheBackend) {
    // A basic-auth location: nginx.tmpl's proxy_set_header Authorization "" (rootfs/etc/nginx/template/nginx.tmpl).
    routing::Decision d = forwardTo("h");
    d.clears_authorization = true;
    const HeaderList client = {
        {"authorization", "Basic Zm9vOmJhcg=="}, {"Authorization", "Bearer x"}, {"Accept", "*/*"}};
    const HeaderList out = upstreamHeaders(client, d, {"1.1.1.1", 1, "http", 80}, "/", "id");
    for (const auto& [name, value] : out)
        EXPECT_FALSE(core::iequals(name, "Authorization")) << name << ": " << value;
    EXPECT_THAT(out, Contains(Pair("Accept", "*/*")));
    const std::string head =
        upstreamRequestHead("GET", "/", client, d, {"1.1.1.1", 1, "http", 80}, "/", "id", {});
    EXPECT_EQ(core::toLower(head).find("authorization"), std::string::npos) << head;
    // Without the decision saying so, the client's Authorization goes through.
    EXPECT_THAT(upstreamHeaders(client, forwardTo("h"), {"1.1.1.1", 1, "http", 80}, "/", "id"),
                Contains(Pair("Authorization", "Bearer x")));
}

TEST(ForwardingTest, DecisionHeadersAreAdded) {
    routing::Decision d = forwardTo("h");
    d.upstream_headers = {{"X-Forwarded-Prefix", "/api"}};
    const HeaderList out = upstreamHeaders({{"X-Forwarded-Prefix", "/spoofed"}}, d,
                                           {"1.1.1.1", 1, "http", 80}, "/", "id");
    EXPECT_THAT(out, Contains(Pair("X-Forwarded-Prefix", "/api")));
    EXPECT_THAT(out, Not(Contains(Pair("X-Forwarded-Prefix", "/spoofed"))));
}

TEST(ForwardingTest, RequestIdsAre32HexDigits) {
    const std::string id = newRequestId(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
    EXPECT_EQ(id, "0123456789abcdeffedcba9876543210");
}

TEST(ForwardingTest, ErrorPagesLookLikeNginxs) {
    const std::string page = errorPage(503);
    EXPECT_NE(page.find("<title>503 Service Temporarily Unavailable</title>"), std::string::npos);
    EXPECT_NE(page.find("<center>ingress-lab</center>"), std::string::npos);
}

}  // namespace
}  // namespace ilab::proxy
