#pragma once
// IPv4/IPv6 addresses and CIDR ranges for source-range policies.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace ilab::core {

struct IpAddress {
    std::array<unsigned char, 16> bytes{};  // IPv4 is stored as ::ffff:a.b.c.d
    bool v4 = false;

    static std::optional<IpAddress> parse(std::string_view text);
    std::string str() const;
    bool operator==(const IpAddress&) const = default;
};

struct Cidr {
    IpAddress base;
    int prefix_length = 0;  // in the address's own family (0..32 or 0..128)

    // Accepts "10.0.0.0/8", "2001:db8::/32" and bare addresses (a /32 or /128).
    static std::optional<Cidr> parse(std::string_view text);
    bool contains(const IpAddress& address) const;
    std::string str() const;
};

}  // namespace ilab::core
