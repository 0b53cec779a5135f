#pragma once
// All tensor operations.
#include "c2am/ops/conv.hpp"
#include "c2am/ops/elementwise.hpp"
#include "c2am/ops/linalg.hpp"
#include "c2am/ops/normalization.hpp"
#include "c2am/ops/pooling.hpp"
#include "c2am/ops/reduction.hpp"
#include "c2am/ops/resize.hpp"
#include "c2am/ops/shape_ops.hpp"
