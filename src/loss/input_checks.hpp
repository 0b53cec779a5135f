#pragma once
// Argument checks shared by the composed and the fused contrastive loss.

#include "c2am/core/tensor.hpp"

namespace c2am::loss_detail {

// fg and bg: non-empty N×C matrices of one shape, dtype and device; the
// error names `op`, both tensors and what is wrong.
void require_loss_inputs(const char* op, const Tensor& fg, const Tensor& bg);

}  // namespace c2am::loss_detail
