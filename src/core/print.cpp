// Printing tensors for humans: the description, then nested rows of values
// with long dimensions elided in the middle.

#include <iomanip>
#include <ostream>

#include "c2am/core/tensor.hpp"

namespace c2am {

namespace {

constexpr std::int64_t kEdgeItems = 3;   // shown at each end of a long dimension
constexpr std::int64_t kElideAbove = 8;  // dimensions longer than this are elided

void print_level(std::ostream& out, const Tensor& t, std::vector<std::int64_t>& index, std::size_t d) {
  if (d == index.size()) {
    out << t.at(index);
    return;
  }
  out << '[';
  const std::int64_t n = t.shape()[d];
  for (std::int64_t i = 0; i < n; ++i) {
    if (n > kElideAbove && i == kEdgeItems) {
      out << "..., ";
      i = n - kEdgeItems;
    }
    index[d] = i;
    print_level(out, t, index, d + 1);
    if (i + 1 < n) out << (d + 1 == index.size() ? ", " : ",\n ");
  }
  out << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  out << "Tensor(" << t.describe();
  if (!t.defined()) return out << ')';
  if (t.requires_grad()) out << ", requires_grad";
  out << ")\n";
  std::vector<std::int64_t> index(t.shape().size(), 0);
  const auto flags = out.flags();
  out << std::setprecision(6);
  if (t.numel() == 0) {
    out << "[]";
  } else {
    print_level(out, t.to(Device::cpu()), index, 0);
  }
  out.flags(flags);
  return out;
}

}  // namespace c2am
