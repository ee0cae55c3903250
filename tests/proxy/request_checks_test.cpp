// checkRequestHead and its parts: what nginx 1.22 refused on loopback, as the table in
// docs/security.md says.
#include "engine/proxy/request_checks.h"

#include <gtest/gtest.h>

namespace ilab::proxy {
namespace {

RequestHeadFacts get(std::string_view host = "shop.local") {
    RequestHeadFacts f;
    f.method = "GET";
    f.version = 11;
    f.host_count = 1;
    f.host = host;
    return f;
}

TEST(RequestChecksTest, AnOrdinaryHeadPasses) { EXPECT_TRUE(checkRequestHead(get()).ok()); }

TEST(RequestChecksTest, MethodsAreUppercaseLettersUnderscoresAndDashes) {
    EXPECT_TRUE(validMethod("GET"));
    EXPECT_TRUE(validMethod("VERSION-CONTROL"));
    EXPECT_TRUE(validMethod("MY_METHOD"));
    EXPECT_FALSE(validMethod("get"));
    EXPECT_FALSE(validMethod("Get"));
    EXPECT_FALSE(validMethod("G1T"));
    EXPECT_FALSE(validMethod(""));
    RequestHeadFacts f = get();
    f.method = "post";
    EXPECT_EQ(checkRequestHead(f).status, 400);
}

TEST(RequestChecksTest, HostsAreValidatedAsNginxDoes) {
    for (const char* ok : {"shop.local", "shop.local.", "a_b", "[::1]:8080", "127.0.0.1:80",
                           "xn--bcher-kva.example", "shop.local:8080"})
        EXPECT_TRUE(validHost(ok)) << ok;
    for (const char* bad : {"", "a/b", "a..b", "a b", "a\tb", ".", "a\x7f"})
        EXPECT_FALSE(validHost(bad)) << bad;
}

TEST(RequestChecksTest, DuplicateUniqueHeadersAre400) {
    RequestHeadFacts f = get();
    f.host_count = 2;
    EXPECT_EQ(checkRequestHead(f).status, 400);
    f = get();
    f.content_length_count = 2;
    f.content_length = "5";  // even when both say the same
    EXPECT_EQ(checkRequestHead(f).status, 400);
    f = get();
    f.transfer_encoding_count = 2;
    f.transfer_encoding = "chunked";
    EXPECT_EQ(checkRequestHead(f).status, 400);
}

TEST(RequestChecksTest, Http11NeedsAHostAndHttp10DoesNot) {
    RequestHeadFacts f = get();
    f.host_count = 0;
    f.host = {};
    EXPECT_EQ(checkRequestHead(f).status, 400);
    f.version = 10;
    EXPECT_TRUE(checkRequestHead(f).ok());
}

TEST(RequestChecksTest, ContentLengthMustBeANumber) {
    RequestHeadFacts f = get();
    f.content_length_count = 1;
    for (const char* bad : {"5, 5", "-1", "0x10", "", "1e3"}) {
        f.content_length = bad;
        EXPECT_EQ(checkRequestHead(f).status, 400) << bad;
    }
    f.content_length = "42";
    EXPECT_TRUE(checkRequestHead(f).ok());
}

TEST(RequestChecksTest, OnlyChunkedIsAnAcceptedTransferEncoding) {
    RequestHeadFacts f = get();
    f.method = "POST";
    f.transfer_encoding_count = 1;
    for (const char* ok : {"chunked", "CHUNKED", "Chunked"}) {
        f.transfer_encoding = ok;
        EXPECT_TRUE(checkRequestHead(f).ok()) << ok;
    }
    for (const char* unknown : {"chunked, identity", "gzip", "chunked, chunked", "xchunked",
                                "gzip, chunked", "identity"}) {
        f.transfer_encoding = unknown;
        const HeadVerdict v = checkRequestHead(f);
        EXPECT_EQ(v.status, 501) << unknown;
        EXPECT_NE(v.reason.find("unknown \"Transfer-Encoding\""), std::string::npos);
    }
}

TEST(RequestChecksTest, TransferEncodingOnHttp10OrBesideContentLengthIs400) {
    RequestHeadFacts f = get();
    f.transfer_encoding_count = 1;
    f.transfer_encoding = "chunked";
    f.version = 10;
    EXPECT_EQ(checkRequestHead(f).status, 400);
    f.version = 11;
    f.content_length_count = 1;
    f.content_length = "5";
    EXPECT_EQ(checkRequestHead(f).status, 400);
}

TEST(RequestChecksTest, OnlyOneExpectationIsAnswered) {
    EXPECT_TRUE(expectsContinue("100-continue"));
    EXPECT_TRUE(expectsContinue("100-Continue"));
    EXPECT_FALSE(expectsContinue("foo"));
    EXPECT_FALSE(expectsContinue(""));
}

TEST(RequestChecksTest, LoopbackHostNames) {
    for (const char* ok : {"localhost", "LOCALHOST:9090", "127.0.0.1", "127.1.2.3:9090", "[::1]",
                           "[::1]:9090", ""})
        EXPECT_TRUE(loopbackHostName(ok)) << ok;
    for (const char* bad : {"evil.example", "127.0.0.1.evil.example", "localhost.evil.example",
                            "[::2]", "128.0.0.1", "127.0.0.1000", "127..0.1"})
        EXPECT_FALSE(loopbackHostName(bad)) << bad;
}

}  // namespace
}  // namespace ilab::proxy
