// Stand-ins for the oneDNN entry points in a build without oneDNN: handles()
// is false, so the reference kernels run; anything else throws.

#include "c2am/core/cpu_engine.hpp"
#include "c2am/core/error.hpp"
#include "cpu/onednn/ops.hpp"

namespace c2am {
bool onednn_available() { return false; }
}  // namespace c2am

namespace c2am::cpu::onednn {

namespace {
[[noreturn]] void no_onednn(const char* what) {
  throw Error(std::string(what) + ": this build of c2am has no oneDNN (install libdnnl-dev with "
              "scripts/install-deps.sh and configure again)");
}
}  // namespace

bool handles(const Tensor&) { return false; }

Tensor conv2d_forward(const Tensor&, const Tensor&, const Tensor&, const Conv2dParams&) {
  no_onednn("conv2d");
}
Conv2dGrads conv2d_backward(const Tensor&, const Tensor&, const Tensor&, const Conv2dParams&, bool, bool, bool) {
  no_onednn("conv2d_backward");
}
Tensor conv2d_fused_inference(const Tensor&, const Tensor&, const Tensor&, const Conv2dParams&, const Tensor&, bool) {
  no_onednn("conv2d_fused_inference");
}
bool reorder_layout(const Tensor&, const Tensor&) { return false; }
BatchNormForward batch_norm2d_forward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                      const BatchNormParams&) {
  no_onednn("batch_norm2d");
}
BatchNormGrads batch_norm2d_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, bool,
                                     double) {
  no_onednn("batch_norm2d_backward");
}

}  // namespace c2am::cpu::onednn
