#include "engine/core/cidr.h"

#include <charconv>
#include <cstring>

#include <arpa/inet.h>

#include "engine/core/text.h"

namespace ilab::core {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    const std::string s(trim(text));
    IpAddress ip;
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        ip.v4 = true;
        ip.bytes[10] = ip.bytes[11] = 0xff;
        std::memcpy(&ip.bytes[12], &v4, 4);
        return ip;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(ip.bytes.data(), &v6, 16);
        return ip;
    }
    return std::nullopt;
}

std::string IpAddress::str() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    if (v4)
        inet_ntop(AF_INET, &bytes[12], buffer, sizeof buffer);
    else
        inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
    return buffer;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    text = trim(text);
    const auto slash = text.find('/');
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    Cidr cidr{*address, address->v4 ? 32 : 128};
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        int value = -1;
        auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
        if (ec != std::errc() || ptr != bits.data() + bits.size() || value < 0 ||
            value > cidr.prefix_length)
            return std::nullopt;
        cidr.prefix_length = value;
    }
    return cidr;
}

bool Cidr::contains(const IpAddress& address) const {
    if (address.v4 != base.v4) return false;
    const int offset = base.v4 ? 96 : 0;
    int remaining = prefix_length;
    for (int byte = offset / 8; remaining > 0; ++byte, remaining -= 8) {
        const int bits = remaining >= 8 ? 8 : remaining;
        const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
        if ((address.bytes[byte] & mask) != (base.bytes[byte] & mask)) return false;
    }
    return true;
}

std::string Cidr::str() const {
    return base.str() + "/" + std::to_string(prefix_length);
}

}  // namespace ilab::core
