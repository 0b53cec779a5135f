#include "c2am/core/generator.hpp"

#include <cmath>
#include <sstream>

#include "c2am/core/error.hpp"

namespace c2am {

double Generator::uniform() {
  // The top 53 bits give every double in [0, 1) on a 2^-53 grid.
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

double Generator::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * M_PI * u2;
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return radius * std::cos(angle);
}

std::uint64_t Generator::below(std::uint64_t n) {
  if (n == 0) throw Error("generator: below(0) has no value");
  // Rejection sampling keeps the result exactly uniform.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
  std::uint64_t v = engine_();
  while (v >= limit) v = engine_();
  return v % n;
}

std::string Generator::state() const {
  std::ostringstream out;
  out << engine_ << ' ' << has_spare_normal_ << ' ';
  out.precision(17);
  out << std::hexfloat << spare_normal_;
  return out.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 engine;
  bool has_spare = false;
  std::string spare_text;
  in >> engine >> has_spare >> spare_text;
  if (!in) throw Error("generator: malformed state string");
  engine_ = engine;
  has_spare_normal_ = has_spare;
  spare_normal_ = std::strtod(spare_text.c_str(), nullptr);
}

}  // namespace c2am
