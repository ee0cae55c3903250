// resty.chash's ring (HashRing) and nginx's CRC-32 it is built from, on Boost.CRC.
#include <algorithm>
#include <array>

#include <boost/crc.hpp>

#include "engine/proxy/balancer_policies.h"

namespace ilab::proxy {

// nginx's ngx_crc32_long and zlib's crc32: the reflected 0x04C11DB7 polynomial, initial and
// final value 0xFFFFFFFF, which is what boost::crc_32_type is.
std::uint32_t crc32(std::string_view data) {
    boost::crc_32_type crc;
    crc.process_bytes(data.data(), data.size());
    return crc.checksum();
}

namespace detail {

void HashRing::build(const std::vector<std::string>& ids) {
    points_.clear();
    points_.reserve(ids.size() * kPointsPerNode);
    for (std::uint32_t node = 0; node < ids.size(); ++node) {
        // resty.chash hashes the id once and continues a copy of that CRC state with each
        // point's bytes (ngx_crc32_update on a saved base), hence the copy per point.
        boost::crc_32_type base;
        base.process_bytes(ids[node].data(), ids[node].size());
        std::uint32_t prev = 0;
        for (std::uint32_t i = 0; i < kPointsPerNode; ++i) {
            const std::array<unsigned char, 4> le = {
                static_cast<unsigned char>(prev & 0xff),
                static_cast<unsigned char>((prev >> 8) & 0xff),
                static_cast<unsigned char>((prev >> 16) & 0xff),
                static_cast<unsigned char>((prev >> 24) & 0xff)};
            boost::crc_32_type point = base;
            point.process_bytes(le.data(), le.size());
            const std::uint32_t hash = point.checksum();
            points_.push_back({hash, node});
            prev = hash;
        }
    }
    // Stable: points of equal hash keep node order, so a tie goes to the earlier node.
    std::stable_sort(points_.begin(), points_.end(),
                     [](const Point& a, const Point& b) { return a.hash < b.hash; });
}

std::size_t HashRing::find(std::string_view key) const {
    if (points_.empty()) return kNone;
    const std::uint32_t hash = crc32(key);
    const auto it = std::lower_bound(points_.begin(), points_.end(), hash,
                                     [](const Point& p, std::uint32_t h) { return p.hash < h; });
    return (it == points_.end() ? points_.front() : *it).node;
}

}  // namespace detail
}  // namespace ilab::proxy
