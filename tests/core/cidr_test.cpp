#include "engine/core/cidr.h"

#include <gtest/gtest.h>

#include "engine/core/regex.h"

namespace ilab::core {
namespace {

TEST(CidrTest, ContainsAddressesInsideItsPrefixOnly) {
    auto c = Cidr::parse("18.0.0.0/8");
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->contains(*IpAddress::parse("18.1.2.3")));
    EXPECT_FALSE(c->contains(*IpAddress::parse("19.0.0.1")));
    EXPECT_FALSE(c->contains(*IpAddress::parse("2001:db8::1")));
}

TEST(CidrTest, BareAddressIsASingleHost) {
    auto c = Cidr::parse("56.0.0.1");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->prefix_length, 32);
    EXPECT_TRUE(c->contains(*IpAddress::parse("56.0.0.1")));
    EXPECT_FALSE(c->contains(*IpAddress::parse("56.0.0.2")));
}

TEST(CidrTest, Ipv6RangesWork) {
    auto c = Cidr::parse("2001:db8::/32");
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->contains(*IpAddress::parse("2001:db8:1::5")));
    EXPECT_FALSE(c->contains(*IpAddress::parse("2001:db9::1")));
    EXPECT_FALSE(c->contains(*IpAddress::parse("10.0.0.1")));
}

TEST(CidrTest, RejectsGarbage) {
    EXPECT_FALSE(Cidr::parse("not-an-ip"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
    EXPECT_FALSE(Cidr::parse("10.0.0/8"));
}

TEST(RegexTest, AnchoredCaseInsensitiveLikeNginxLocations) {
    std::string error;
    auto re = Regex::compile("/id/[0-9]+", {true, true}, &error);
    ASSERT_TRUE(re) << error;
    EXPECT_TRUE(re->matches("/ID/123a"));
    EXPECT_FALSE(re->matches("/x/id/1"));
}

TEST(RegexTest, ReportsCompileErrorsWithOffset) {
    std::string error;
    EXPECT_FALSE(Regex::compile("[][**da?$&*", {}, &error));
    EXPECT_NE(error.find("offset"), std::string::npos);
}

TEST(RegexTest, ExpandsCaptureGroupsAsNginxRewrite) {
    std::string error;
    auto re = Regex::compile("/something(/|$)(.*)", {true, true}, &error);
    auto m = re->search("/something/new");
    ASSERT_TRUE(m);
    EXPECT_EQ(expandCaptures("/$2", *m), "/new");
    EXPECT_EQ(expandCaptures("/x/${2}/$9", *m), "/x/new/");
}

}  // namespace
}  // namespace ilab::core
