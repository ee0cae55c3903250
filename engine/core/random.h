#pragma once
// Injected randomness: a seeded source gives the same decisions on every run.
#include <cstdint>

namespace ilab::core {

class Random {
  public:
    virtual ~Random() = default;
    virtual std::uint64_t next() = 0;
    // Uniform in [low, high], both inclusive; low <= high.
    std::uint64_t uniform(std::uint64_t low, std::uint64_t high);
};

// SplitMix64: tiny, fast and statistically sound for load-balancing and canary draws.
class SeededRandom final : public Random {
  public:
    explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() override;

  private:
    std::uint64_t state_;
};

}  // namespace ilab::core
