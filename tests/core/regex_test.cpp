#include "engine/core/regex.h"

#include <gtest/gtest.h>

namespace ilab::core {
namespace {

TEST(RegexTest, LiteralPrefixStopsAtTheFirstMetacharacter) {
    EXPECT_EQ(literalPrefix("/svc0001/item$"), "/svc0001/item");
    EXPECT_EQ(literalPrefix("/api/v[0-9]+/users"), "/api/v");
    EXPECT_EQ(literalPrefix("/static/.*\\.css"), "/static/");
    EXPECT_EQ(literalPrefix(".*"), "");
    EXPECT_EQ(literalPrefix("/"), "/");
}

TEST(RegexTest, LiteralPrefixLeavesOutQuantifiedCharacters) {
    EXPECT_EQ(literalPrefix("/api?/v1"), "/ap");    // the "i" is optional
    EXPECT_EQ(literalPrefix("/ab*c"), "/a");
    EXPECT_EQ(literalPrefix("/ab{2}"), "/a");
    EXPECT_EQ(literalPrefix("/ab+c"), "/ab");       // at least one "b", then anything
}

TEST(RegexTest, LiteralPrefixHandlesEscapesAndGivesUpOnAlternation) {
    EXPECT_EQ(literalPrefix("/v1\\.0/x"), "/v1.0/x");
    EXPECT_EQ(literalPrefix("/a\\d+"), "/a");  // \d is a class, not a literal
    EXPECT_EQ(literalPrefix("/a|/b"), "");     // either branch may match
    EXPECT_EQ(literalPrefix("/(a|b)"), "");
    EXPECT_EQ(literalPrefix("(?-i)/Case"), "");
    EXPECT_EQ(literalPrefix("/caf\xc3\xa9/x"), "/caf");  // ASCII only
}

TEST(RegexTest, MatchesAgreesWithSearchAndCopiesNothing) {
    std::string error;
    auto regex = Regex::compile("/user/([0-9]+)", {true, true}, &error);
    ASSERT_TRUE(regex) << error;
    EXPECT_TRUE(regex->matches("/USER/42/profile"));
    EXPECT_FALSE(regex->matches("/x/user/42"));  // anchored at the start, as nginx's "^"
    auto match = regex->search("/user/42");
    ASSERT_TRUE(match);
    EXPECT_EQ(match->groups.at(1), "42");
}

}  // namespace
}  // namespace ilab::core
