#pragma once
// Seeded random numbers. The same seed gives the same numbers on every
// platform: the engine is std::mt19937_64 (fully specified by the standard)
// and the distributions are computed here, not by the standard library
// (whose distributions differ between implementations).

#include <cstdint>
#include <random>
#include <string>

namespace c2am {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}

  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal (Box-Muller; one of each pair is kept for the next call).
  double normal();
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n);
  std::uint64_t next_u64() { return engine_(); }

  // Full state as text and back, for checkpoints that resume exactly.
  std::string state() const;
  void set_state(const std::string& state);

 private:
  std::mt19937_64 engine_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace c2am
