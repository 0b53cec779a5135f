#pragma once
// The losses of the second WSOL stage (PSOL, as the C²AM release runs it):
// mean squared error for the box regressor and cross-entropy for the
// classifier. Composed from differentiable ops, so they run on every device
// and dtype the ops do; formulas as torch.nn.functional's (reduction "mean").

#include <cstdint>
#include <vector>

#include "c2am/core/tensor.hpp"

namespace c2am {

// log(softmax(logits)) along dim 1 of logits [N, K], computed as
// (x − m) − log Σ exp(x − m) with m the row maximum, so that no exp
// overflows (torch.log_softmax). Returns [N, K].
Tensor log_softmax(const Tensor& logits);

// −(1/N) Σ_i log_softmax(logits)[i, labels[i]]: torch.nn.functional.
// cross_entropy with reduction "mean", no weights, no label smoothing.
// logits [N, K] floating point; labels: N class ids in [0, K). Throws
// c2am::Error for another count of labels, a label out of range, or N = 0.
Tensor cross_entropy(const Tensor& logits, const std::vector<std::int64_t>& labels);

// mean((prediction − target)²) over every element (torch.nn.functional.
// mse_loss); both of one shape, dtype and device. Throws c2am::Error
// otherwise or when empty.
Tensor mse_loss(const Tensor& prediction, const Tensor& target);

// Σ over every element of torch.nn.functional.binary_cross_entropy_with_logits
// (reduction "sum"), times `scale`: per element (1 − y)·x + m + log(e^−m +
// e^(−x−m)) with m = max(−x, 0), torch's overflow-free form. Its gradient
// is (sigmoid(x) − y)·scale, exact at x = 0 too. logits and targets of one
// shape, dtype and device; targets in [0, 1] (not checked: soft labels are
// allowed). PoolNet trains with scale = 1 / its accumulation count.
Tensor bce_with_logits_sum(const Tensor& logits, const Tensor& targets, double scale = 1.0);

}  // namespace c2am
