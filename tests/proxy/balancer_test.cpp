#include "engine/proxy/balancer.h"

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ilab::proxy {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kBackend = "default/web:80";
const SteadyTime kT0 = SteadyTime{} + 1000h;
constexpr std::int64_t kUnix = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

// Pods web-<first>.. web-<first+n-1> at 10.0.0.<i>:8080.
EndpointList endpoints(int n, int first = 1) {
    auto list = std::make_shared<std::vector<cluster::Endpoint>>();
    for (int i = first; i < first + n; ++i)
        list->push_back(
            {"web-" + std::to_string(i), "default", "10.0.0." + std::to_string(i), 8080});
    return list;
}

EndpointList without(const EndpointList& list, std::string_view pod) {
    auto out = std::make_shared<std::vector<cluster::Endpoint>>();
    for (const auto& e : *list)
        if (e.pod != pod) out->push_back(e);
    return out;
}

BalancerConfig roundRobin() {
    return {};
}

BalancerConfig hashBy(std::string key, bool subset = false, int size = 3) {
    BalancerConfig c;
    c.load_balance.hash_by = std::move(key);
    c.load_balance.hash_by_subset = subset;
    c.load_balance.hash_by_subset_size = size;
    return c;
}

BalancerConfig ewma() {
    BalancerConfig c;
    c.load_balance.algorithm = "ewma";
    return c;
}

BalancerConfig sticky(std::string mode = "balanced") {
    BalancerConfig c;
    c.affinity.cookie = true;
    c.affinity.mode = std::move(mode);
    return c;
}

// A request and its view, kept together so the view's string_views stay valid.
struct Req {
    routing::Request request;
    RequestView view;

    explicit Req(std::string target = "/",
                 std::vector<std::pair<std::string, std::string>> headers = {},
                 std::string client_ip = "192.0.2.10") {
        request.host = "shop.example.com";
        request.target = std::move(target);
        request.headers = std::move(headers);
        request.client_ip = std::move(client_ip);
        view = RequestView::from(request);
    }
    Req(const Req&) = delete;
};

PickContext context(const Req* req = nullptr, SteadyTime now = kT0) {
    PickContext c;
    c.request = req ? &req->view : nullptr;
    c.now = now;
    c.unix_seconds = kUnix;
    c.cookie.issue = true;
    c.cookie.location_path = "/";
    return c;
}

// The "name=value" part of a Set-Cookie value, for sending it back.
std::string cookiePair(const std::string& set_cookie) {
    return set_cookie.substr(0, set_cookie.find(';'));
}

// --- Hashes and formats -----------------------------------------------------------------------

TEST(BalancerHelpersTest, Md5AndCrc32MatchTheirReferenceVectors) {
    EXPECT_EQ(md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(md5Hex(std::string(55, 'a')), "ef1772b6dff9a122358552954ad0df65");
    EXPECT_EQ(md5Hex(std::string(56, 'a')), "3b0c8ac703f828b04c6c197006d17218");
    EXPECT_EQ(md5Hex(std::string(64, 'a')), "014842d480b571495a4a0363793f7367");
    EXPECT_EQ(crc32("123456789"), 0xcbf43926u);
}

TEST(BalancerHelpersTest, Md5MatchesTheRfc1321TestSuite) {  // RFC 1321, appendix A.5
    EXPECT_EQ(md5Hex("a"), "0cc175b9c0f1b6a831c399e269772661");
    EXPECT_EQ(md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
    EXPECT_EQ(md5Hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
    EXPECT_EQ(md5Hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
              "d174ab98d277d9f5a5611c2c9f419d9f");
    EXPECT_EQ(md5Hex("1234567890123456789012345678901234567890"
                     "1234567890123456789012345678901234567890"),
              "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(BalancerHelpersTest, Crc32OfNothingIsZero) {
    EXPECT_EQ(crc32(""), 0u);
}

TEST(BalancerHelpersTest, NamesFollowIngressNginx) {
    EXPECT_EQ(upstreamName("default/web:80"), "default-web-80");
    EXPECT_EQ(upstreamName("shop/api:http"), "shop-api-http");
    // md5(md5(name) .. name), as sticky.lua computes the cookie's backend key.
    EXPECT_EQ(affinityBackendKey("default/web:80"), "6cde5721ec2c7e2bce07cff7d0e4ac37");
    EXPECT_EQ(endpointKey({"p", "default", "10.0.0.1", 8080}), "10.0.0.1:8080");
    EXPECT_EQ(endpointKey({"p", "default", "fd00::1", 80}), "[fd00::1]:80");
}

TEST(BalancerHelpersTest, CookieTimeUsesNginxFormat) {
    EXPECT_EQ(cookieTime(0), "Thu, 01-Jan-70 00:00:00 GMT");
    EXPECT_EQ(cookieTime(kUnix), "Tue, 14-Nov-23 22:13:20 GMT");
    EXPECT_EQ(cookieTime(2200000000), "Sun, 18-Sep-2039 23:06:40 GMT");  // after 2037: 4 digits
}

TEST(BalancerHelpersTest, SameSiteNoneIncompatibleAgents) {
    EXPECT_FALSE(sameSiteNoneCompatible("Mozilla/5.0 Chrome/51.0.2704.103 Safari/537.36"));
    EXPECT_FALSE(sameSiteNoneCompatible("Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X)"));
    EXPECT_FALSE(sameSiteNoneCompatible(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_0) AppleWebKit Version/12.0 Safari/605"));
    EXPECT_TRUE(sameSiteNoneCompatible("Mozilla/5.0 Chrome/120.0 Safari/537.36"));
    EXPECT_TRUE(sameSiteNoneCompatible("curl/8.0"));
}

TEST(HashKeyTest, VariablesAndTextExpandAsIngressNginxDoes) {
    Req req("/cart/items?id=42&Sort=asc",
            {{"Cookie", "session=abc; user=u-7"}, {"X-User-Id", "17"}, {"Host", "ignored"}},
            "192.0.2.10");
    req.request.host = "Shop.Example.com:8080";
    req.view = RequestView::from(req.request);
    const RequestView& v = req.view;
    EXPECT_EQ(expandHashKey("$request_uri", v), "/cart/items?id=42&Sort=asc");
    EXPECT_EQ(expandHashKey("${request_uri}-x", v), "/cart/items?id=42&Sort=asc-x");
    EXPECT_EQ(expandHashKey("$uri", v), "/cart/items");
    EXPECT_EQ(expandHashKey("$args", v), "id=42&Sort=asc");
    EXPECT_EQ(expandHashKey("$arg_sort", v), "asc");
    EXPECT_EQ(expandHashKey("$host", v), "shop.example.com");
    EXPECT_EQ(expandHashKey("$remote_addr", v), "192.0.2.10");
    EXPECT_EQ(expandHashKey("$binary_remote_addr", v), std::string("\xc0\x00\x02\x0a", 4));
    EXPECT_EQ(expandHashKey("$cookie_user", v), "u-7");
    EXPECT_EQ(expandHashKey("$http_x_user_id", v), "17");
    EXPECT_EQ(expandHashKey("user-$cookie_user:$HTTP_X_USER_ID", v), "user-u-7:17");
    EXPECT_EQ(expandHashKey("$nope|$1|text", v), "||text");  // unknown and captures: empty
    EXPECT_EQ(expandHashKey("a$", v), "a$");
    EXPECT_EQ(expandHashKey("${uri", v), "${uri");
    EXPECT_EQ(expandHashKey("\\$uri", v), "\\$uri");  // \$name stays as written
    EXPECT_EQ(expandHashKey("a\\b", v), "ab");        // a stray backslash is skipped
}

// --- Round robin ------------------------------------------------------------------------------

TEST(RoundRobinTest, SixHundredRequestsOverThreePodsAreExactlyEven) {  // B01
    core::SeededRandom random(7);
    BalancerSet set(random);
    const EndpointList list = endpoints(3);
    std::map<std::string, int> hits;
    for (int i = 0; i < 600; ++i) {
        const Pick p = set.pick(kBackend, roundRobin(), list, context());
        ASSERT_NE(p.endpoint, nullptr);
        ++hits[p.endpoint->pod];
    }
    EXPECT_EQ(hits, (std::map<std::string, int>{{"web-1", 200}, {"web-2", 200}, {"web-3", 200}}));
}

TEST(RoundRobinTest, RotationCarriesOnAcrossReadinessChanges) {
    core::SeededRandom random(1);
    BalancerSet set(random);
    const EndpointList abc = endpoints(3);
    std::vector<std::string> order;
    for (int i = 0; i < 3; ++i)
        order.push_back(set.pick(kBackend, roundRobin(), abc, context()).endpoint->pod);
    // Each in turn, starting anywhere.
    EXPECT_EQ(std::set<std::string>(order.begin(), order.end()).size(), 3u);
    // A new snapshot with the same endpoints changes nothing.
    const EndpointList same = endpoints(3);
    EXPECT_EQ(set.pick(kBackend, roundRobin(), same, context()).endpoint->pod, order[0]);
    // The next pod in line goes unready: the rotation goes on with the one after it.
    const EndpointList two = without(same, order[1]);
    EXPECT_EQ(set.pick(kBackend, roundRobin(), two, context()).endpoint->pod, order[2]);
    EXPECT_EQ(set.pick(kBackend, roundRobin(), two, context()).endpoint->pod, order[0]);
}

TEST(RoundRobinTest, NoEndpointsGiveAnEmptyPick) {
    core::SeededRandom random(1);
    BalancerSet set(random);
    const Pick p = set.pick(kBackend, roundRobin(), endpoints(0), context());
    EXPECT_EQ(p.endpoint, nullptr);
    EXPECT_EQ(set.pick(kBackend, roundRobin(), nullptr, context()).endpoint, nullptr);
}

// --- Consistent hashing -------------------------------------------------------------------------

TEST(ConsistentHashTest, SameRequestUriAlwaysReachesOnePod) {  // B02
    core::SeededRandom random(1);
    BalancerSet set(random);
    const EndpointList list = endpoints(6);
    Req req("/");
    std::set<std::string> pods;
    for (int i = 0; i < 100; ++i)
        pods.insert(set.pick(kBackend, hashBy("$request_uri"), list, context(&req)).endpoint->pod);
    EXPECT_EQ(pods.size(), 1u);
}

// The ring's placements, pinned (point i = crc32(id .. le32(point i-1)), continued from the
// id's CRC state): a change in how the CRC is computed would move these keys.
TEST(ConsistentHashTest, RingPlacesKeysWherePinned) {
    core::SeededRandom random(1);
    BalancerSet set(random);
    const EndpointList list = endpoints(6);
    std::string pods;  // the digit of web-N for /k/0 .. /k/23
    for (int i = 0; i < 24; ++i) {
        Req req("/k/" + std::to_string(i));
        pods +=
            set.pick(kBackend, hashBy("$request_uri"), list, context(&req)).endpoint->pod.substr(4);
    }
    EXPECT_EQ(pods, "316412224366364452316431");
}

TEST(ConsistentHashTest, DifferentKeysSpreadOverThePods) {
    core::SeededRandom random(1);
    BalancerSet set(random);
    const EndpointList list = endpoints(6);
    std::map<std::string, int> hits;
    for (int i = 0; i < 600; ++i) {
        Req req("/item/" + std::to_string(i));
        ++hits[set.pick(kBackend, hashBy("$request_uri"), list, context(&req)).endpoint->pod];
    }
    EXPECT_EQ(hits.size(), 6u);
    for (const auto& [pod, n] : hits)
        EXPECT_GT(n, 40) << pod;  // 160 points each: roughly even
}

TEST(ConsistentHashTest, AddingAPodOnlyMovesKeysToIt) {
    core::SeededRandom random(1);
    BalancerSet set(random);
    const EndpointList six = endpoints(6), seven = endpoints(7);
    std::vector<std::string> before;
    for (int i = 0; i < 1000; ++i) {
        Req req("/k/" + std::to_string(i));
        before.push_back(
            set.pick(kBackend, hashBy("$request_uri"), six, context(&req)).endpoint->pod);
    }
    int moved = 0;
    for (int i = 0; i < 1000; ++i) {
        Req req("/k/" + std::to_string(i));
        const std::string now =
            set.pick(kBackend, hashBy("$request_uri"), seven, context(&req)).endpoint->pod;
        if (now != before[static_cast<std::size_t>(i)]) {
            ++moved;
            EXPECT_EQ(now, "web-7");
        }
    }
    EXPECT_GT(moved, 50);
    EXPECT_LT(moved, 300);  // about 1/7 of the keys
}

TEST(ConsistentHashTest, SubsetModeSpreadsOneKeyOverExactlyTheSubset) {  // B03
    core::SeededRandom random(3);
    BalancerSet set(random);
    const EndpointList list = endpoints(6);
    Req req("/");
    std::set<std::string> pods;
    for (int i = 0; i < 100; ++i)
        pods.insert(
            set.pick(kBackend, hashBy("$request_uri", true, 3), list, context(&req)).endpoint->pod);
    EXPECT_EQ(pods.size(), 3u);
    // Subsets are consecutive runs of the endpoint list.
    const bool first_half = pods == std::set<std::string>{"web-1", "web-2", "web-3"};
    const bool second_half = pods == std::set<std::string>{"web-4", "web-5", "web-6"};
    EXPECT_TRUE(first_half || second_half);
}

TEST(ConsistentHashTest, ShortLastSubsetIsPaddedWithTheFirstEndpoints) {
    core::SeededRandom random(3);
    BalancerSet set(random);
    const EndpointList list = endpoints(4);  // sets {1,2,3} and {4,1,2}
    std::set<std::set<std::string>> subsets;
    for (int k = 0; k < 50; ++k) {
        Req req("/key/" + std::to_string(k));
        std::set<std::string> pods;
        for (int i = 0; i < 60; ++i)
            pods.insert(set.pick(kBackend, hashBy("$request_uri", true, 3), list, context(&req))
                            .endpoint->pod);
        subsets.insert(pods);
    }
    EXPECT_EQ(subsets, (std::set<std::set<std::string>>{{"web-1", "web-2", "web-3"},
                                                        {"web-1", "web-2", "web-4"}}));
}

// --- EWMA
// -----------------------------------------------------------------------------------------

TEST(EwmaTest, PrefersTheFasterEndpoint) {
    core::SeededRandom random(11);
    BalancerSet set(random);
    const EndpointList list = endpoints(3);
    set.pick(kBackend, ewma(), list, context());  // creates and syncs the balancer
    for (int i = 0; i < 5; ++i) {
        set.record(kBackend, "10.0.0.1:8080", 10ms, kT0);
        set.record(kBackend, "10.0.0.2:8080", 300ms, kT0);
        set.record(kBackend, "10.0.0.3:8080", 250ms, kT0);
    }
    std::map<std::string, int> hits;
    for (int i = 0; i < 300; ++i)
        ++hits[set.pick(kBackend, ewma(), list, context()).endpoint->pod];
    // web-1 wins every pair it is drawn into: about two draws in three.
    EXPECT_GT(hits["web-1"], 150);
    EXPECT_GT(hits["web-1"], hits["web-2"] + hits["web-3"]);
    EXPECT_LT(hits["web-2"], hits["web-3"]);  // and the slowest loses to the middle one
    // With two endpoints both are always compared: the fast one always wins.
    const EndpointList two = endpoints(2);
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(set.pick(kBackend, ewma(), two, context()).endpoint->pod, "web-1");
}

TEST(EwmaTest, ScoresDecayTowardZeroOverTenSeconds) {  // ewma_spec.lua's numbers
    core::SeededRandom random(1);
    BalancerSet set(random);
    const EndpointList two =
        std::make_shared<std::vector<cluster::Endpoint>>(std::vector<cluster::Endpoint>{
            {"a", "default", "10.10.10.1", 8080}, {"c", "default", "10.10.10.3", 8080}});
    Balancer& b = set.balancer(kBackend, ewma());
    b.sync(two, kT0);
    b.record("10.10.10.1:8080", 200ms, kT0 - 1s);  // a first sample is taken as it is
    b.record("10.10.10.3:8080", 1200ms, kT0 - 20s);
    EXPECT_NEAR(b.score("10.10.10.1:8080", kT0), 0.2 * std::exp(-0.1), 1e-12);
    EXPECT_NEAR(b.score("10.10.10.3:8080", kT0), 0.16240233988393524, 1e-12);
    // Though a's average is lower, c's decayed score is: c is picked.
    EXPECT_EQ(b.pick(context()).endpoint->pod, "c");
    // A new sample blends in with weight 1 - exp(-elapsed / 10 s).
    b.record("10.10.10.1:8080", 120ms, kT0 + 4s);
    const double w = std::exp(-0.5);
    EXPECT_NEAR(b.score("10.10.10.1:8080", kT0 + 4s), 0.2 * w + 0.12 * (1 - w), 1e-12);
}

TEST(EwmaTest, RetriesAvoidEndpointsAlreadyTried) {
    core::SeededRandom random(1);
    BalancerSet set(random);
    const EndpointList two = endpoints(2);
    Balancer& b = set.balancer(kBackend, ewma());
    b.sync(two, kT0);
    b.record("10.0.0.1:8080", 5ms, kT0);
    b.record("10.0.0.2:8080", 500ms, kT0);
    const std::vector<std::string> tried = {"10.0.0.1:8080"};
    PickContext ctx = context();
    ctx.tried = tried;
    EXPECT_EQ(b.pick(ctx).endpoint->pod, "web-2");
    // Every endpoint tried: the best of them again.
    const std::vector<std::string> all = {"10.0.0.1:8080", "10.0.0.2:8080"};
    ctx.tried = all;
    EXPECT_EQ(b.pick(ctx).endpoint->pod, "web-1");
}

TEST(EwmaTest, NewEndpointsStartAtTheAverageAndRemovedOnesAreForgotten) {
    core::SeededRandom random(1);
    BalancerSet set(random);
    Balancer& b = set.balancer(kBackend, ewma());
    b.sync(endpoints(3), kT0);
    b.record("10.0.0.1:8080", 200ms, kT0);
    b.record("10.0.0.2:8080", 300ms, kT0);
    b.record("10.0.0.3:8080", 1200ms, kT0);
    // web-2 leaves, web-4 and web-5 arrive.
    auto next = std::make_shared<std::vector<cluster::Endpoint>>(*without(endpoints(3), "web-2"));
    next->push_back({"web-4", "default", "10.0.0.4", 8080});
    next->push_back({"web-5", "default", "10.0.0.5", 8080});
    b.sync(next, kT0 + 1s);
    EXPECT_NEAR(b.score("10.0.0.4:8080", kT0 + 1s), (0.2 + 1.2) / 2, 1e-12);
    EXPECT_NEAR(b.score("10.0.0.5:8080", kT0 + 1s), (0.2 + 1.2) / 2, 1e-12);
    EXPECT_EQ(b.score("10.0.0.2:8080", kT0 + 1s), 0.0);
}

// --- Cookie affinity ----------------------------------------------------------------------------

TEST(AffinityTest, CookieCarriesTheConfiguredNameAndTheBackend) {  // B05
    core::SeededRandom random(5);
    BalancerSet set(random);
    BalancerConfig config = sticky();
    config.affinity.cookie_name = "SERVERID";
    Req req("/");
    const Pick p = set.pick(kBackend, config, endpoints(3), context(&req));
    ASSERT_TRUE(p.set_cookie);
    EXPECT_THAT(*p.set_cookie, StartsWith("SERVERID="));
    EXPECT_THAT(*p.set_cookie, HasSubstr("|" + affinityBackendKey(kBackend) + ";"));
    EXPECT_THAT(*p.set_cookie, HasSubstr("; HttpOnly"));
    EXPECT_THAT(*p.set_cookie, Not(HasSubstr("Expires")));  // a session cookie by default
    EXPECT_THAT(*p.set_cookie, Not(HasSubstr("; Secure")));
}

TEST(AffinityTest, PathDefaultsToTheLocationPath) {  // B06
    core::SeededRandom random(5);
    BalancerSet set(random);
    Req req("/something");
    PickContext ctx = context(&req);
    ctx.cookie.location_path = "/something";
    const Pick p = set.pick(kBackend, sticky(), endpoints(3), ctx);
    EXPECT_THAT(*p.set_cookie, HasSubstr("; Path=/something"));
}

TEST(AffinityTest, ExpiresAndMaxAgeAreAddedWhenSet) {  // B07
    core::SeededRandom random(5);
    BalancerSet set(random);
    BalancerConfig config = sticky();
    config.affinity.cookie_expires = 172800;
    config.affinity.cookie_max_age = 259200;
    Req req("/");
    const Pick p = set.pick(kBackend, config, endpoints(3), context(&req));
    EXPECT_THAT(*p.set_cookie, HasSubstr("; Expires=Thu, 16-Nov-23 22:13:20 GMT; Max-Age=259200"));
}

TEST(AffinityTest, DomainOnlyWhenSet) {  // B08
    core::SeededRandom random(5);
    BalancerSet set(random);
    BalancerConfig config = sticky();
    config.affinity.cookie_domain = "foo.bar";
    Req req("/");
    EXPECT_THAT(*set.pick(kBackend, config, endpoints(3), context(&req)).set_cookie,
                HasSubstr("; Domain=foo.bar"));
    EXPECT_THAT(*set.pick("default/other:80", sticky(), endpoints(3), context(&req)).set_cookie,
                Not(HasSubstr("Domain")));
}

TEST(AffinityTest, ExplicitPathWinsForRegexLocations) {  // B09
    core::SeededRandom random(5);
    BalancerSet set(random);
    BalancerConfig config = sticky();
    config.affinity.cookie_path = "/foo/bar";
    Req req("/foo/bar/baz");
    PickContext ctx = context(&req);
    ctx.cookie.location_path = "/foo/bar(/|$)(.*)";
    EXPECT_THAT(*set.pick(kBackend, config, endpoints(3), ctx).set_cookie,
                HasSubstr("; Path=/foo/bar;"));
}

TEST(AffinityTest, OnlyLocationsOfTheDeclaringIngressIssueTheCookie) {  // B10
    core::SeededRandom random(5);
    BalancerSet set(random);
    Req req("/foo");
    PickContext other = context(&req);
    other.cookie.issue = false;  // Ingress 2, /foo, no affinity annotation, same Service
    const Pick p = set.pick(kBackend, sticky(), endpoints(3), other);
    EXPECT_NE(p.endpoint, nullptr);
    EXPECT_FALSE(p.set_cookie);
    PickContext declaring = context(&req);
    declaring.cookie.location_path = "/foo/bar";
    EXPECT_THAT(*set.pick(kBackend, sticky(), endpoints(3), declaring).set_cookie,
                HasSubstr("; Path=/foo/bar"));
}

TEST(AffinityTest, SecureOnHttpWhenAskedAndAlwaysOnHttps) {  // B11
    core::SeededRandom random(5);
    BalancerSet set(random);
    Req req("/");
    BalancerConfig secure = sticky();
    secure.affinity.cookie_secure = true;
    EXPECT_THAT(*set.pick("default/a:80", secure, endpoints(3), context(&req)).set_cookie,
                HasSubstr("; Secure"));
    PickContext https = context(&req);
    https.cookie.https = true;
    EXPECT_THAT(*set.pick("default/b:80", sticky(), endpoints(3), https).set_cookie,
                HasSubstr("; Secure"));  // session-cookie-secure false cannot remove it
    EXPECT_THAT(*set.pick("default/c:80", sticky(), endpoints(3), context(&req)).set_cookie,
                Not(HasSubstr("Secure")));
}

TEST(AffinityTest, SameSiteNoneIsLeftOutForIncompatibleAgentsWhenConditional) {
    core::SeededRandom random(5);
    BalancerSet set(random);
    BalancerConfig config = sticky();
    config.affinity.cookie_samesite = "None";
    config.affinity.conditional_samesite_none = true;
    Req old_chrome("/", {{"User-Agent", "Mozilla/5.0 Chrome/51.0 Safari/537.36"}});
    Req modern("/", {{"User-Agent", "Mozilla/5.0 Chrome/120.0 Safari/537.36"}});
    EXPECT_THAT(*set.pick(kBackend, config, endpoints(3), context(&old_chrome)).set_cookie,
                Not(HasSubstr("SameSite")));
    EXPECT_THAT(*set.pick(kBackend, config, endpoints(3), context(&modern)).set_cookie,
                HasSubstr("; HttpOnly; SameSite=None"));
    config.affinity.cookie_samesite = "Lax";
    EXPECT_THAT(*set.pick(kBackend, config, endpoints(3), context(&old_chrome)).set_cookie,
                HasSubstr("; SameSite=Lax"));
}

TEST(AffinityTest, BalancedSessionsStickUntilTheRingChanges) {
    core::SeededRandom random(5);
    BalancerSet set(random);
    const EndpointList list = endpoints(5);
    Req first("/");
    const Pick p = set.pick(kBackend, sticky(), list, context(&first));
    ASSERT_TRUE(p.set_cookie);
    Req again("/", {{"Cookie", "a=b; " + cookiePair(*p.set_cookie)}});
    for (int i = 0; i < 20; ++i) {
        const Pick q = set.pick(kBackend, sticky(), list, context(&again));
        EXPECT_EQ(q.endpoint->pod, p.endpoint->pod);
        EXPECT_FALSE(q.set_cookie);  // a valid cookie is not reissued
    }
    // Its pod leaves: the same key hashes onto another pod, still without a new cookie.
    const Pick moved =
        set.pick(kBackend, sticky(), without(list, p.endpoint->pod), context(&again));
    ASSERT_NE(moved.endpoint, nullptr);
    EXPECT_NE(moved.endpoint->pod, p.endpoint->pod);
    EXPECT_FALSE(moved.set_cookie);
}

TEST(AffinityTest, NewSessionsSpreadOverThePods) {
    core::SeededRandom random(5);
    BalancerSet set(random);
    const EndpointList list = endpoints(4);
    std::map<std::string, int> hits;
    for (int i = 0; i < 400; ++i) {
        Req req("/");
        ++hits[set.pick(kBackend, sticky(), list, context(&req)).endpoint->pod];
    }
    EXPECT_EQ(hits.size(), 4u);
    for (const auto& [pod, n] : hits)
        EXPECT_GT(n, 50) << pod;
}

TEST(AffinityTest, PersistentModeKeepsTheOriginalPodWhileScalingUp) {  // B13
    core::SeededRandom random(9);
    BalancerSet set(random);
    const BalancerConfig config = sticky("persistent");
    Req first("/");
    const Pick p = set.pick(kBackend, config, endpoints(5), context(&first));
    ASSERT_TRUE(p.set_cookie);
    // The cookie carries md5(upstream name .. endpoint), not the address itself.
    EXPECT_THAT(*p.set_cookie,
                StartsWith("INGRESSCOOKIE=" + md5Hex("default-web-80" + p.endpoint_key) + "|"));
    Req again("/", {{"Cookie", cookiePair(*p.set_cookie)}});
    for (int replicas = 6; replicas <= 15; ++replicas) {
        const Pick q = set.pick(kBackend, config, endpoints(replicas), context(&again));
        EXPECT_EQ(q.endpoint->pod, p.endpoint->pod) << replicas;
        EXPECT_FALSE(q.set_cookie);
    }
    // Scaled to zero: nothing to pick (the proxy answers 503).
    EXPECT_EQ(set.pick(kBackend, config, endpoints(0), context(&again)).endpoint, nullptr);
}

TEST(AffinityTest, ACookieForAVanishedEndpointStartsANewSession) {
    core::SeededRandom random(9);
    BalancerSet set(random);
    const BalancerConfig config = sticky("persistent");
    const EndpointList list = endpoints(3);
    Req first("/");
    const Pick p = set.pick(kBackend, config, list, context(&first));
    Req again("/", {{"Cookie", cookiePair(*p.set_cookie)}});
    const Pick q = set.pick(kBackend, config, without(list, p.endpoint->pod), context(&again));
    ASSERT_NE(q.endpoint, nullptr);
    EXPECT_NE(q.endpoint->pod, p.endpoint->pod);
    ASSERT_TRUE(q.set_cookie);
    EXPECT_NE(cookiePair(*q.set_cookie), cookiePair(*p.set_cookie));
}

TEST(AffinityTest, ChangeOnFailurePicksAnotherEndpointAndReissuesTheCookie) {
    core::SeededRandom random(9);
    BalancerSet set(random);
    BalancerConfig config = sticky("persistent");
    const EndpointList list = endpoints(3);
    Req first("/");
    const Pick p = set.pick(kBackend, config, list, context(&first));
    Req again("/", {{"Cookie", cookiePair(*p.set_cookie)}});
    const std::vector<std::string> tried = {p.endpoint_key};
    PickContext retry = context(&again);
    retry.tried = tried;
    // Without change-on-failure the retry goes back to the cookie's endpoint.
    EXPECT_EQ(set.pick(kBackend, config, list, retry).endpoint->pod, p.endpoint->pod);
    config.affinity.change_on_failure = true;
    const Pick q = set.pick(kBackend, config, list, retry);
    EXPECT_NE(q.endpoint->pod, p.endpoint->pod);
    EXPECT_TRUE(q.set_cookie);
}

TEST(AffinityTest, AffinitizedOnlyByACookieNamingThisBackend) {
    core::SeededRandom random(9);
    BalancerSet set(random);
    Balancer& b = set.balancer(kBackend, sticky());
    Req mine("/", {{"Cookie", "INGRESSCOOKIE=x|" + affinityBackendKey(kBackend)}});
    Req other("/", {{"Cookie", "INGRESSCOOKIE=x|" + affinityBackendKey("default/api:80")}});
    EXPECT_TRUE(b.isAffinitized(mine.view));
    EXPECT_FALSE(b.isAffinitized(other.view));
    Balancer& plain = set.balancer("default/plain:80", roundRobin());
    EXPECT_FALSE(plain.isAffinitized(mine.view));
}

// --- affinity-canary-behavior -----------------------------------------------------------------

TEST(AffinityCanaryTest, StickyCanaryInheritsTheMainCookieAndPinsBothWays) {
    core::SeededRandom random(2);
    BalancerSet set(random);
    const BalancerConfig main = sticky();
    const BalancerConfig canary =
        canaryBalancerConfig(main, roundRobin(), dialect::AffinityCanaryBehavior::Sticky);
    ASSERT_TRUE(canary.sticky());
    constexpr std::string_view kCanary = "default/web-canary:80";

    // A session that started on the canary carries the canary backend's key...
    Req start("/");
    const Pick on_canary = set.pick(kCanary, canary, endpoints(2, 10), context(&start));
    ASSERT_TRUE(on_canary.set_cookie);
    Req canary_session("/", {{"Cookie", cookiePair(*on_canary.set_cookie)}});
    EXPECT_EQ(set.affinityPin(canary_session.view, kBackend, main, kCanary, canary),
              AffinityPin::Canary);
    // ... one that started on the main backend the main key.
    const Pick on_main = set.pick(kBackend, main, endpoints(3), context(&start));
    Req main_session("/", {{"Cookie", cookiePair(*on_main.set_cookie)}});
    EXPECT_EQ(set.affinityPin(main_session.view, kBackend, main, kCanary, canary),
              AffinityPin::Main);
    // No cookie: the canary rules decide.
    EXPECT_EQ(set.affinityPin(start.view, kBackend, main, kCanary, canary), AffinityPin::None);
}

TEST(AffinityCanaryTest, LegacyCanaryKeepsItsOwnSettings) {
    const BalancerConfig main = sticky();
    const BalancerConfig legacy =
        canaryBalancerConfig(main, roundRobin(), dialect::AffinityCanaryBehavior::Legacy);
    EXPECT_FALSE(legacy.sticky());
    core::SeededRandom random(2);
    BalancerSet set(random);
    Req req("/", {{"Cookie", "INGRESSCOOKIE=k|" + affinityBackendKey("default/web-canary:80")}});
    EXPECT_EQ(set.affinityPin(req.view, kBackend, main, "default/web-canary:80", legacy),
              AffinityPin::None);
    // sticky copies the main backend's whole affinity, so a main without one takes the canary's.
    const BalancerConfig wiped =
        canaryBalancerConfig(roundRobin(), sticky(), dialect::AffinityCanaryBehavior::Sticky);
    EXPECT_FALSE(wiped.sticky());
}

// --- Configuration ------------------------------------------------------------------------------

TEST(BalancerConfigTest, AffinityBeatsHashingBeatsLoadBalance) {
    BalancerConfig c = ewma();
    EXPECT_EQ(c.kind(), BalancerKind::Ewma);
    c.load_balance.hash_by = "$request_uri";
    EXPECT_EQ(c.kind(), BalancerKind::ConsistentHash);
    c.load_balance.hash_by_subset = true;
    EXPECT_EQ(c.kind(), BalancerKind::ConsistentHashSubset);
    c.affinity.cookie = true;
    EXPECT_EQ(c.kind(), BalancerKind::StickyBalanced);
    c.affinity.mode = "persistent";
    EXPECT_EQ(c.kind(), BalancerKind::StickyPersistent);
    BalancerConfig unknown;
    unknown.load_balance.algorithm = "least_conn";
    EXPECT_EQ(unknown.kind(), BalancerKind::RoundRobin);
    EXPECT_EQ(balancerKindName(BalancerKind::ConsistentHashSubset), "chashsubset");
}

TEST(BalancerConfigTest, ChangingTheAlgorithmResetsTheBackendsBalancer) {
    core::SeededRandom random(2);
    BalancerSet set(random);
    Balancer* first = &set.balancer(kBackend, roundRobin());
    EXPECT_EQ(&set.balancer(kBackend, roundRobin()), first);
    Balancer& second = set.balancer(kBackend, ewma());
    EXPECT_EQ(second.kind(), BalancerKind::Ewma);
    EXPECT_EQ(set.size(), 1u);
    set.balancer("default/other:80", roundRobin());
    set.retainIf([](std::string_view id) { return id == kBackend; });
    EXPECT_EQ(set.size(), 1u);
}

TEST(BalancerConfigTest, SameSeedSameDecisions) {
    const auto run = [] {
        core::SeededRandom random(42);
        BalancerSet set(random);
        std::vector<std::string> pods;
        for (int i = 0; i < 50; ++i) {
            Req req("/");
            pods.push_back(set.pick(kBackend, sticky(), endpoints(5), context(&req)).endpoint->pod);
        }
        return pods;
    };
    EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace ilab::proxy
