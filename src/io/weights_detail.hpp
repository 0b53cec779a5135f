#pragma once
// A helper of the weights loader shared with the training run's initial
// weights (src/train/initial_weights.cpp).

#include <cstddef>
#include <string>
#include <vector>

namespace c2am::io {

// The first `most` keys, comma-separated, then "… (N in all)" when there are more.
std::string key_list(const std::vector<std::string>& keys, std::size_t most = 5);

}  // namespace c2am::io
