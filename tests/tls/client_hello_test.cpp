#include "engine/tls/client_hello.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ilab::tls {
namespace {

using Bytes = std::vector<unsigned char>;

// A server_name extension body with one entry per (type, name).
Bytes extension(const std::vector<std::pair<unsigned char, std::string>>& entries) {
    Bytes body;
    for (const auto& [type, name] : entries) {
        body.push_back(type);
        body.push_back(static_cast<unsigned char>(name.size() >> 8));
        body.push_back(static_cast<unsigned char>(name.size() & 0xff));
        body.insert(body.end(), name.begin(), name.end());
    }
    // Sized up front: GCC 12 at -O2 misreports inserting after a braced two-byte vector.
    Bytes out(body.size() + 2);
    out[0] = static_cast<unsigned char>(body.size() >> 8);
    out[1] = static_cast<unsigned char>(body.size() & 0xff);
    std::copy(body.begin(), body.end(), out.begin() + 2);
    return out;
}

std::string_view parse(const Bytes& bytes) {
    return serverNameFromExtension(bytes.data(), bytes.size());
}

TEST(ClientHelloTest, ReadsTheHostName) {
    EXPECT_EQ(parse(extension({{0, "shop.example.com"}})), "shop.example.com");
}

TEST(ClientHelloTest, SkipsEntriesOfOtherTypes) {
    EXPECT_EQ(parse(extension({{7, "junk"}, {0, "shop.example.com"}})), "shop.example.com");
}

TEST(ClientHelloTest, MalformedExtensionsGiveNoName) {
    EXPECT_EQ(serverNameFromExtension(nullptr, 0), "");
    EXPECT_EQ(parse({}), "");
    EXPECT_EQ(parse({0x00}), "");
    EXPECT_EQ(parse(extension({})), "");
    EXPECT_EQ(parse(extension({{0, ""}})), "");

    Bytes list_too_long = extension({{0, "shop.example.com"}});
    list_too_long[1] = static_cast<unsigned char>(list_too_long[1] + 1);
    EXPECT_EQ(parse(list_too_long), "");

    Bytes truncated = extension({{0, "shop.example.com"}});
    truncated.pop_back();
    truncated[1] = static_cast<unsigned char>(truncated[1] - 1);  // the list length agrees
    EXPECT_EQ(parse(truncated), "");

    Bytes name_too_long = extension({{0, "shop"}});
    name_too_long[4] = 0xff;  // the entry claims 255 bytes
    EXPECT_EQ(parse(name_too_long), "");

    Bytes huge = extension({{0, "x"}});
    huge[3] = 0xff;
    huge[4] = 0xff;
    EXPECT_EQ(parse(huge), "");
}

}  // namespace
}  // namespace ilab::tls
