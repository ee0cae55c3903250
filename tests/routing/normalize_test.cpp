// normalizeHost and normalizeTarget: what routing compares (conformance §3 A8, A9).
#include "engine/routing/normalize.h"

#include <gtest/gtest.h>

namespace ilab::routing {
namespace {

TEST(NormalizeHostTest, LowercasesTheHost) {
    EXPECT_EQ(normalizeHost("FOO.Bar.com"), "foo.bar.com");  // conformance #67
}

TEST(NormalizeHostTest, RemovesThePort) {
    EXPECT_EQ(normalizeHost("foo.bar.com:8080"), "foo.bar.com");  // conformance #66
    EXPECT_EQ(normalizeHost("10.0.0.1:80"), "10.0.0.1");
}

TEST(NormalizeHostTest, RemovesOneTrailingDot) {
    EXPECT_EQ(normalizeHost("foo.bar.com."), "foo.bar.com");
    EXPECT_EQ(normalizeHost("foo.bar.com.:443"), "foo.bar.com");
}

TEST(NormalizeHostTest, KeepsBracketedIpv6AndDropsItsPort) {
    EXPECT_EQ(normalizeHost("[::1]:8080"), "[::1]");
    EXPECT_EQ(normalizeHost("[2001:DB8::1]"), "[2001:db8::1]");
}

TEST(NormalizeHostTest, LeavesABareIpv6AddressWhole) {
    // Several colons and no brackets: not host:port.
    EXPECT_EQ(normalizeHost("2001:db8::1"), "2001:db8::1");
}

TEST(NormalizeHostTest, TrimsSurroundingSpaceAndKeepsAnEmptyHostEmpty) {
    EXPECT_EQ(normalizeHost("  foo.com  "), "foo.com");
    EXPECT_EQ(normalizeHost(""), "");
}

TEST(NormalizeTargetTest, SplitsTheQueryOffUntouched) {
    const NormalizedPath n = normalizeTarget("/foo?x=1&y=%2F");  // conformance #68
    EXPECT_TRUE(n.valid);
    EXPECT_EQ(n.path, "/foo");
    EXPECT_EQ(n.query, "x=1&y=%2F");
}

TEST(NormalizeTargetTest, DropsTheFragment) {
    EXPECT_EQ(normalizeTarget("/foo#section").path, "/foo");
}

TEST(NormalizeTargetTest, DecodesPercentEncodedCharacters) {
    EXPECT_EQ(normalizeTarget("/%66%6F%6f").path, "/foo");
    EXPECT_EQ(normalizeTarget("/caf%C3%A9").path, "/caf\xC3\xA9");
    EXPECT_EQ(normalizeTarget("/a%20b").path, "/a b");
}

// nginx 1.22 answered each of these on loopback (uri= is its $uri): docs/routing.md.
TEST(NormalizeTargetTest, DecodesAnEncodedSlashAsASlashAsNginxDoes) {
    EXPECT_EQ(normalizeTarget("/admin%2Fx").path, "/admin/x");  // nginx: $uri=/admin/x
    EXPECT_EQ(normalizeTarget("/a%2fb").path, "/a/b");
    EXPECT_EQ(normalizeTarget("/%2F%2Fadmin").path, "/admin");     // merged like real slashes
    EXPECT_EQ(normalizeTarget("/a%2F..%2Fb").path, "/b");          // and resolved with dots
}

TEST(NormalizeTargetTest, KeepsEncodedQuestionMarksAndPercentsLiteral) {
    const NormalizedPath n = normalizeTarget("/a%3Fb%25c");
    EXPECT_EQ(n.path, "/a?b%c");  // decoded once, never split on the decoded '?'
    EXPECT_EQ(n.query, "");
}

TEST(NormalizeTargetTest, RejectsMalformedEscapesAsNginxDoes) {
    for (const char* target : {"/a%zzb", "/a%4", "/a%", "/%g0"}) {
        const NormalizedPath n = normalizeTarget(target);
        EXPECT_FALSE(n.valid) << target;  // nginx: 400
        EXPECT_EQ(n.problem, "the path has a malformed %XX escape") << target;
    }
}

TEST(NormalizeTargetTest, RejectsAnEncodedNul) {
    EXPECT_FALSE(normalizeTarget("/a%00b").valid);  // nginx: 400
}

TEST(NormalizeTargetTest, MergesRepeatedSlashes) {
    EXPECT_EQ(normalizeTarget("//foo///bar").path, "/foo/bar");
    EXPECT_EQ(normalizeTarget("/foo//").path, "/foo/");
}

TEST(NormalizeTargetTest, ResolvesDotSegments) {
    EXPECT_EQ(normalizeTarget("/foo/./bar").path, "/foo/bar");
    EXPECT_EQ(normalizeTarget("/foo/../bar").path, "/bar");
    EXPECT_EQ(normalizeTarget("/a/b/..").path, "/a/");
    EXPECT_EQ(normalizeTarget("/a/b/.").path, "/a/b/");
}

TEST(NormalizeTargetTest, RejectsADotDotAboveTheRoot) {
    for (const char* target : {"/../../etc/passwd", "/..", "/a/%2e%2e/../x"})
        EXPECT_FALSE(normalizeTarget(target).valid) << target;  // nginx: 400
    EXPECT_EQ(normalizeTarget("/a/..").path, "/");
    EXPECT_EQ(normalizeTarget("/a/.%2e/b").path, "/b");
}

TEST(NormalizeTargetTest, ResolvesEncodedDotSegmentsAfterDecoding) {
    EXPECT_EQ(normalizeTarget("/foo/%2e%2e/bar").path, "/bar");
    EXPECT_EQ(normalizeTarget("/foo/%2E/bar").path, "/foo/bar");
}

TEST(NormalizeTargetTest, KeepsATrailingSlash) {
    EXPECT_EQ(normalizeTarget("/foo/").path, "/foo/");
    EXPECT_EQ(normalizeTarget("/").path, "/");
}

TEST(NormalizeTargetTest, KeepsCase) {
    EXPECT_EQ(normalizeTarget("/FOO/Bar").path, "/FOO/Bar");  // paths are case-sensitive
}

TEST(NormalizeTargetTest, RejectsTargetsThatAreNotAbsolutePaths) {
    EXPECT_FALSE(normalizeTarget("").valid);
    EXPECT_FALSE(normalizeTarget("foo").valid);
    EXPECT_FALSE(normalizeTarget("*").valid);
    EXPECT_FALSE(normalizeTarget("?x=1").valid);
}

}  // namespace
}  // namespace ilab::routing
