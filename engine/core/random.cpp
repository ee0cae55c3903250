#include "engine/core/random.h"

namespace ilab::core {

std::uint64_t Random::uniform(std::uint64_t low, std::uint64_t high) {
    const std::uint64_t span = high - low + 1;
    if (span == 0) return next();  // the full 64-bit range
    // Rejection sampling removes modulo bias.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    std::uint64_t value;
    do {
        value = next();
    } while (value >= limit);
    return low + value % span;
}

std::uint64_t SeededRandom::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace ilab::core
