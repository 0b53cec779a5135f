#pragma once
// Umbrella header: everything a user of c2am needs.
#include "c2am/autograd/grad_mode.hpp"
#include "c2am/core/device.hpp"
#include "c2am/core/dtype.hpp"
#include "c2am/core/error.hpp"
#include "c2am/core/generator.hpp"
#include "c2am/core/shape.hpp"
#include "c2am/core/tensor.hpp"
#include "c2am/cuda/runtime.hpp"
#include "c2am/ops/ops.hpp"
